import { randomUUID } from "node:crypto"
import { Cause, Effect, Layer, Logger, LogLevel, Option, Redacted } from "effect"
import { AppConfig } from "./AppConfig.js"
import { redactSecrets, type Service } from "./Logging.js"
import { version } from "./Version.js"

// Telegram outcomes that are expected in normal operation and not worth an error report (OPS-7).
const expectedTags = new Set(["TelegramMissingRights", "TelegramUserNotFound", "TelegramMessageGone", "TelegramCallbackExpired", "TelegramCannotMessageUser"])

export interface SentryDsn {
  readonly envelopeUrl: string
  readonly dsn: string
}

/** `https://<key>@<host>/<project>` → the envelope endpoint of Sentry's ingestion API. */
export const parseDsn = (dsn: string): Option.Option<SentryDsn> => {
  try {
    const url = new URL(dsn)
    const project = url.pathname.split("/").filter(Boolean).pop()
    if (!url.username || !project) return Option.none()
    const base = `${url.protocol}//${url.host}${url.pathname.slice(0, url.pathname.lastIndexOf("/"))}`
    return Option.some({ dsn, envelopeUrl: `${base}/api/${project}/envelope/?sentry_key=${url.username}&sentry_version=7` })
  } catch {
    return Option.none()
  }
}

const exceptionOf = (cause: Cause.Cause<unknown>) => {
  const failure = Cause.squash(cause)
  const type = typeof failure === "object" && failure !== null && "_tag" in failure ? String(failure._tag) : failure instanceof Error ? failure.name : "Error"
  const value = redactSecrets(failure instanceof Error ? failure.message : String(failure))
  return { type, value, stack: redactSecrets(Cause.pretty(cause)) }
}

/**
 * Sends error-level log events that carry a cause to Sentry, scrubbed of secrets (SEC-16), tagged with instance
 * and role. Written against the envelope endpoint instead of using @sentry/node: that SDK installs its own
 * OpenTelemetry tracer provider, which would compete with Effect's tracer; we only need error events.
 */
export const makeSentryLogger = (target: SentryDsn, tags: { readonly environment: string; readonly instance: string; readonly role: Service }) => {
  const inFlight = new Set<Promise<unknown>>()
  const logger = Logger.make<unknown, void>((options) => {
    if (!LogLevel.greaterThanEqual(options.logLevel, LogLevel.Error) || Cause.isEmpty(options.cause)) return
    if (Cause.isInterruptedOnly(options.cause)) return
    const exception = exceptionOf(options.cause)
    if (expectedTags.has(exception.type)) return
    const eventId = randomUUID().replace(/-/g, "")
    const message = Array.isArray(options.message) ? options.message.map(String).join(" ") : String(options.message)
    const event = {
      event_id: eventId,
      timestamp: options.date.getTime() / 1000,
      platform: "node",
      level: options.logLevel === LogLevel.Fatal ? "fatal" : "error",
      environment: tags.environment,
      release: `nezuko@${version}`,
      server_name: tags.instance,
      tags: { instance: tags.instance, role: tags.role },
      message: { formatted: redactSecrets(message) },
      exception: { values: [{ type: exception.type, value: exception.value }] },
      extra: { cause: exception.stack }
    }
    const body = [
      JSON.stringify({ event_id: eventId, sent_at: new Date().toISOString(), dsn: target.dsn }),
      JSON.stringify({ type: "event" }),
      JSON.stringify(event)
    ].join("\n")
    const request = fetch(target.envelopeUrl, { method: "POST", body, headers: { "content-type": "application/x-sentry-envelope" } })
      .catch(() => undefined)
      .finally(() => inFlight.delete(request))
    inFlight.add(request)
  })
  /** Waits for reports still on the way, at most `ms` (OPS-7: 2 s at shutdown). */
  const flush = (ms: number) => Promise.race([Promise.all([...inFlight]), new Promise((r) => setTimeout(r, ms).unref())])
  return { logger, flush }
}

/** Adds the Sentry logger when SENTRY_DSN is set, and flushes it for up to 2 s when the process stops. */
export const ErrorReportingLive = (role: Service) =>
  Layer.unwrapScoped(
    Effect.gen(function* () {
      const config = yield* AppConfig
      const target = Option.flatMap(config.sentryDsn, (dsn) => parseDsn(Redacted.value(dsn)))
      if (Option.isNone(target)) {
        if (Option.isSome(config.sentryDsn)) yield* Effect.logWarning("SENTRY_DSN is not a valid DSN; error reporting is off")
        return Layer.empty
      }
      const sentry = makeSentryLogger(target.value, { environment: config.environment, instance: config.instanceId, role })
      yield* Effect.addFinalizer(() => Effect.promise(() => sentry.flush(2_000)))
      return Logger.add(sentry.logger)
    })
  )
