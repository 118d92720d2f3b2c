import { type LogEntry, LogRing } from "@nezuko/core"
import { Effect } from "effect"

// PANEL-12 over the process's LogRing: with Redis the shared `logs:ring` every bot replica and panel appends
// to, otherwise this process's own entries.

const levels = ["trace", "debug", "info", "warn", "error", "fatal"]

/** Level at least `level`, and `q` anywhere in the entry (case-insensitive). */
export const logFilter = (level: string, q: string) => {
  const min = Math.max(0, levels.indexOf(level))
  const needle = q.trim().toLowerCase()
  return (entry: LogEntry) =>
    Math.max(0, levels.indexOf(entry.level.toLowerCase())) >= min && (needle === "" || JSON.stringify(entry).toLowerCase().includes(needle))
}

export const recentLogs = (filter: (e: LogEntry) => boolean, limit = 200) => Effect.flatMap(LogRing, (ring) => ring.recent(filter, limit))

/** A server-sent-events body: the last 200 matching entries, then every new one; a comment every 15 s keeps proxies open. */
export const logStream = (filter: (e: LogEntry) => boolean, signal: AbortSignal) =>
  Effect.gen(function* () {
    const ring = yield* LogRing
    const backlog = yield* ring.recent(filter, 200)
    const encoder = new TextEncoder()
    let seq = 0
    let cleanup = () => {}
    return new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (entry: LogEntry) => {
          if (!filter(entry)) return
          try {
            controller.enqueue(encoder.encode(`id: ${++seq}\nevent: log\ndata: ${JSON.stringify(entry)}\n\n`))
          } catch {
            cleanup()
          }
        }
        controller.enqueue(encoder.encode("retry: 1000\n\n"))
        for (const entry of backlog) send(entry)
        const unfollow = ring.follow(send)
        const ping = setInterval(() => {
          try {
            controller.enqueue(encoder.encode(": ping\n\n"))
          } catch {
            cleanup()
          }
        }, 15_000)
        cleanup = () => {
          clearInterval(ping)
          unfollow()
          try {
            controller.close()
          } catch {
            // already closed
          }
        }
        signal.addEventListener("abort", () => cleanup(), { once: true })
      },
      cancel() {
        cleanup()
      }
    })
  })
