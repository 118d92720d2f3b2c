import { Context, Effect, Layer, Schedule } from "effect"
import { CircuitBreakers } from "./CircuitBreakers.js"
import { type LogEntry, onLogEntry } from "./Logging.js"
import { RedisClient, subscriberConnection } from "./Redis.js"

export interface LogRingShape {
  /** The newest `limit` entries that pass `filter`, oldest first. */
  readonly recent: (filter: (entry: LogEntry) => boolean, limit: number) => Effect.Effect<ReadonlyArray<LogEntry>>
  /** Calls `listener` with every new entry until the returned function is called. */
  readonly follow: (listener: (entry: LogEntry) => void) => () => void
}

/** Per process: what PANEL-12 falls back to when there is no Redis, or it is down (LIM-13). */
const localCapacity = 2_000
/** CACHE-1 `logs:ring`: the capped list every replica appends to. */
const sharedCapacity = 10_000
/** Entries read from the shared ring per request. */
const readPage = 2_000
/** Entries waiting to be shipped; beyond this (Redis slow or gone) the oldest wait no longer. */
const pendingCapacity = 2_000
export const logRingKey = "logs:ring"
/** Seconds: a ring nobody has written to for a week (a test run's prefix, a retired deployment) goes. */
const idleExpiry = 7 * 86_400
/** New entries, as JSON arrays, for the panels following the stream. */
export const logChannel = "logs"

const makeLocalRing = () => {
  const entries: Array<LogEntry> = []
  const listeners = new Set<(entry: LogEntry) => void>()
  const stop = onLogEntry((entry) => {
    entries.push(entry)
    if (entries.length > localCapacity) entries.splice(0, entries.length - localCapacity)
    for (const listener of listeners) listener(entry)
  })
  const recent = (filter: (entry: LogEntry) => boolean, limit: number) => entries.filter(filter).slice(-limit)
  const follow = (listener: (entry: LogEntry) => void) => {
    listeners.add(listener)
    return () => void listeners.delete(listener)
  }
  return { recent, follow, stop }
}

/** The process's own ring, unhooked from the logger with the scope. */
const scopedLocalRing = Effect.acquireRelease(Effect.sync(makeLocalRing), (ring) => Effect.sync(ring.stop))

const parseJson = (raw: string): unknown => {
  try {
    return JSON.parse(raw)
  } catch {
    return undefined
  }
}
const isEntry = (value: unknown): value is LogEntry => typeof value === "object" && value !== null && "msg" in value

/**
 * PANEL-12's log ring: the structured entries (already redacted by the logger, SEC-16) the panel's /logs page
 * and its live stream show. With Redis every process — bot replicas and panels alike — appends to the shared
 * `logs:ring` and publishes on `logs`, so a panel shows the bot's logs too; without it, or while it is down,
 * each process shows its own.
 */
export class LogRing extends Context.Tag("@nezuko/core/LogRing")<LogRing, LogRingShape>() {
  static local = Layer.scoped(
    LogRing,
    Effect.map(scopedLocalRing, (ring): LogRingShape => ({
      recent: (filter, limit) => Effect.sync(() => ring.recent(filter, limit)),
      follow: ring.follow
    }))
  )

  static layerRedis(prefix: string) {
    return Layer.scoped(
      LogRing,
      Effect.gen(function* () {
        const redis = yield* RedisClient
        const breakers = yield* CircuitBreakers
        const key = prefix + logRingKey
        const channel = prefix + logChannel
        const local = yield* scopedLocalRing

        // Shipping: batched every 500 ms, one MULTI per batch. A failure is not logged: that entry would be
        // shipped in turn, and the redis breaker already says Redis is down.
        let pending: Array<string> = []
        const stopCollecting = local.follow((entry) => {
          pending.push(JSON.stringify(entry))
          if (pending.length > pendingCapacity) pending.splice(0, pending.length - pendingCapacity)
        })
        yield* Effect.addFinalizer(() => Effect.sync(stopCollecting))
        const ship = Effect.suspend(() => {
          if (pending.length === 0) return Effect.void
          const batch = pending
          pending = []
          return Effect.ignore(breakers.protect("redis", redis.use((c) =>
            c.multi().rpush(key, ...batch).ltrim(key, -sharedCapacity, -1).expire(key, idleExpiry).publish(channel, `[${batch.join(",")}]`).exec())))
        })
        yield* Effect.forkScoped(ship.pipe(Effect.repeat(Schedule.spaced("500 millis"))))
        // What is still pending at shutdown goes too: the last lines before a stop are the interesting ones.
        yield* Effect.addFinalizer(() => ship)

        // Following: one subscribed connection per process, opened by the first follower (a bot replica has
        // none); while it is down, this process's own entries.
        const listeners = new Set<(entry: LogEntry) => void>()
        const subscriber = yield* subscriberConnection(redis, { lazy: true })
        subscriber.on("ready", () => void subscriber.subscribe(channel).catch(() => undefined))
        subscriber.on("message", (from: string, raw: string) => {
          if (from !== channel) return
          const batch = parseJson(raw)
          if (!Array.isArray(batch)) return
          for (const entry of batch) if (isEntry(entry)) for (const listener of listeners) listener(entry)
        })
        const stopLocal = local.follow((entry) => {
          if (subscriber.status !== "ready") for (const listener of listeners) listener(entry)
        })
        yield* Effect.addFinalizer(() => Effect.sync(stopLocal))

        // Newest first, a page at a time, so a page load does not move the whole ring for 200 entries.
        const readShared = (filter: (entry: LogEntry) => boolean, limit: number) =>
          Effect.gen(function* () {
            const found: Array<LogEntry> = []
            for (let end = -1; end >= -sharedCapacity && found.length < limit; end -= readPage) {
              const raw = yield* breakers.protect("redis", redis.use((c) => c.lrange(key, end - readPage + 1, end)))
              found.unshift(...raw.map(parseJson).filter(isEntry).filter(filter))
              if (raw.length < readPage) break
            }
            return found.slice(-limit)
          })

        return {
          recent: (filter, limit) => readShared(filter, limit).pipe(Effect.orElse(() => Effect.sync(() => local.recent(filter, limit)))),
          follow: (listener) => {
            listeners.add(listener)
            if (subscriber.status === "wait") subscriber.connect().catch(() => undefined)
            return () => void listeners.delete(listener)
          }
        } satisfies LogRingShape
      })
    )
  }
}
