import { Cause, Effect, HashMap, Inspectable, Layer, List, Logger, LogLevel } from "effect"
import { AppConfig } from "./AppConfig.js"
import { version } from "./Version.js"

export type Service = "bot" | "panel" | "jobs" | "cli" | "sandbox" | "all"

// SEC-16: a bot token may hide in URLs (/bot<token>/method) and in error texts from HTTP clients.
const tokenPattern = /(?<![0-9])\d{5,}:[A-Za-z0-9_-]{20,}/g
export const redactSecrets = (text: string) => text.replace(tokenPattern, "<redacted-token>")

const levelName = (level: LogLevel.LogLevel) => level.label.toLowerCase() === "warning" ? "warn" : level.label.toLowerCase()

export interface LogEntry {
  readonly ts: string
  readonly level: string
  readonly msg: string
  readonly [field: string]: unknown
}

const renderMessage = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return redactSecrets(parts.map((p) => (typeof p === "string" ? p : Inspectable.toStringUnknown(p, 0))).join(" "))
}

const errorField = (cause: Cause.Cause<unknown>) => {
  if (Cause.isEmpty(cause)) return undefined
  const failure = Cause.squash(cause)
  const tag = typeof failure === "object" && failure !== null && "_tag" in failure ? String(failure._tag) : undefined
  return {
    ...(tag ? { tag } : {}),
    message: redactSecrets(failure instanceof Error ? failure.message : Inspectable.toStringUnknown(failure, 0)),
    stack: redactSecrets(Cause.pretty(cause, { renderErrorCause: true }))
  }
}

/** Builds the OPS-6 entry: fixed fields, then annotations (correlation_id, chat_id, …) as strings. */
export const toEntry = (base: Record<string, string>) => (options: Logger.Logger.Options<unknown>): LogEntry => {
  const entry: Record<string, unknown> = {
    ts: options.date.toISOString(),
    level: levelName(options.logLevel),
    msg: renderMessage(options.message),
    ...base
  }
  for (const [key, value] of HashMap.toEntries(options.annotations)) {
    entry[key] = typeof value === "string" ? redactSecrets(value) : typeof value === "number" ? String(value) : value
  }
  const spans = List.toArray(options.spans)
  if (spans.length > 0) entry.spans = spans.map((s) => s.label)
  const error = errorField(options.cause)
  if (error) entry.error = error
  return entry as LogEntry
}

/** Listeners see every entry (the panel's live-log ring subscribes here, PANEL-12). */
const listeners = new Set<(entry: LogEntry) => void>()
export const onLogEntry = (listener: (entry: LogEntry) => void) => {
  listeners.add(listener)
  return () => void listeners.delete(listener)
}

const colors: Record<string, string> = { trace: "90", debug: "36", info: "32", warn: "33", error: "31", fatal: "35" }

const prettyLine = (entry: LogEntry) => {
  const { error, level, msg, ts, ...fields } = entry
  const extra = Object.entries(fields)
    .filter(([key]) => !["env", "version", "instance"].includes(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ")
  const color = colors[level] ?? "0"
  const stack = error && typeof error === "object" && "stack" in error ? `\n${String(error.stack)}` : ""
  return `${ts.slice(11, 23)} \x1b[${color}m${level.padEnd(5)}\x1b[0m ${msg}${extra ? ` \x1b[90m${extra}\x1b[0m` : ""}${stack}`
}

export const makeLogger = (base: Record<string, string>, format: "json" | "pretty", write: (line: string) => void) =>
  Logger.make((options) => {
    const entry = toEntry(base)(options)
    for (const listener of listeners) listener(entry)
    write(format === "json" ? JSON.stringify(entry) : prettyLine(entry))
  })

const levels: Record<string, LogLevel.LogLevel> = {
  trace: LogLevel.Trace, debug: LogLevel.Debug, info: LogLevel.Info, warn: LogLevel.Warning, error: LogLevel.Error, fatal: LogLevel.Fatal
}

/** Replaces Effect's default logger with the OPS-6 one for `service`, at LOG_LEVEL. */
export const LoggingLive = (service: Service) =>
  Layer.unwrapEffect(
    Effect.map(AppConfig, (config) =>
      Layer.merge(
        Logger.replace(
          Logger.defaultLogger,
          makeLogger(
            { service, instance: config.instanceId, version, env: config.environment },
            config.logFormat,
            (line) => process.stdout.write(`${line}\n`)
          )
        ),
        Logger.minimumLogLevel(levels[config.logLevel] ?? LogLevel.Info)
      ))
  )
