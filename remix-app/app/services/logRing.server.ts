import { type LogEntry, onLogEntry } from "@nezuko/core"

// PANEL-12: the last 2 000 structured log entries of this replica, fed by every log line (already redacted by
// the logger, SEC-16), and the live subscribers of /api/v1/logs/stream.
const capacity = 2_000
interface Ring { entries: Array<LogEntry & { readonly seq: number }>; seq: number; readonly subscribers: Set<(entry: LogEntry & { readonly seq: number }) => void> }
const holder = globalThis as { __nezukoLogRing?: Ring }

/** Starts collecting (once per process); called when the runtime is installed. */
export const ensureLogRing = (): Ring => {
  if (holder.__nezukoLogRing !== undefined) return holder.__nezukoLogRing
  const ring: Ring = { entries: [], seq: 0, subscribers: new Set() }
  holder.__nezukoLogRing = ring
  onLogEntry((entry) => {
    const stored = { ...entry, seq: ++ring.seq }
    ring.entries.push(stored)
    if (ring.entries.length > capacity) ring.entries.splice(0, ring.entries.length - capacity)
    for (const send of ring.subscribers) send(stored)
  })
  return ring
}

const levels = ["trace", "debug", "info", "warn", "error", "fatal"]

/** Level at least `level`, and `q` anywhere in the entry (case-insensitive). */
export const logFilter = (level: string, q: string) => {
  const min = Math.max(0, levels.indexOf(level))
  const needle = q.trim().toLowerCase()
  return (entry: LogEntry) =>
    Math.max(0, levels.indexOf(entry.level.toLowerCase())) >= min && (needle === "" || JSON.stringify(entry).toLowerCase().includes(needle))
}

export const recentLogs = (filter: (e: LogEntry) => boolean, limit = 200) => ensureLogRing().entries.filter(filter).slice(-limit)

/** A server-sent-events body: the last 200 matching entries, then every new one; a comment every 15 s keeps proxies open. */
export const logStream = (filter: (e: LogEntry) => boolean, signal: AbortSignal) => {
  const ring = ensureLogRing()
  const encoder = new TextEncoder()
  let cleanup = () => {}
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (entry: LogEntry & { readonly seq: number }) => {
        if (!filter(entry)) return
        try {
          controller.enqueue(encoder.encode(`id: ${entry.seq}\nevent: log\ndata: ${JSON.stringify(entry)}\n\n`))
        } catch {
          cleanup()
        }
      }
      controller.enqueue(encoder.encode("retry: 1000\n\n"))
      for (const entry of ring.entries.filter(filter).slice(-200)) send(entry)
      ring.subscribers.add(send)
      const ping = setInterval(() => {
        try {
          controller.enqueue(encoder.encode(": ping\n\n"))
        } catch {
          cleanup()
        }
      }, 15_000)
      cleanup = () => {
        clearInterval(ping)
        ring.subscribers.delete(send)
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
}
