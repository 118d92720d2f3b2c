import { Clock, Context, Duration, Effect, Layer, Option } from "effect"
import { RedisClient, type RedisError } from "./Redis.js"

export type StoreError = RedisError

/**
 * The port every cache, lock and counter goes through (CACHE-1). Keys are given without REDIS_KEY_PREFIX;
 * the Redis implementation adds it. Not @effect/platform's KeyValueStore, which has no TTLs.
 */
export interface KeyValueStoreShape {
  readonly backend: "redis" | "memory"
  readonly get: (key: string) => Effect.Effect<Option.Option<string>, StoreError>
  /** `get` with the entry's remaining time to live, in one round trip (a copy kept elsewhere must not outlive it). */
  readonly getWithTtl: (key: string) => Effect.Effect<Option.Option<readonly [value: string, ttl: Duration.Duration]>, StoreError>
  readonly getMany: (keys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<Option.Option<string>>, StoreError>
  readonly set: (key: string, value: string, ttl: Duration.DurationInput) => Effect.Effect<void, StoreError>
  /** `set` for many keys with one TTL in one round trip (a pipeline, not a transaction: a failure may leave some set). */
  readonly setMany: (entries: ReadonlyArray<readonly [key: string, value: string]>, ttl: Duration.DurationInput) => Effect.Effect<void, StoreError>
  /** SET NX: true when this call created the key (locks, de-duplication). */
  readonly setIfAbsent: (key: string, value: string, ttl: Duration.DurationInput) => Effect.Effect<boolean, StoreError>
  readonly remove: (key: string) => Effect.Effect<void, StoreError>
  /** Increments a counter; the TTL is set when the counter is created (fixed window). */
  readonly increment: (key: string, ttl: Duration.DurationInput) => Effect.Effect<number, StoreError>
  /** Deletes every key starting with `prefix` (Redis: SCAN + UNLINK in batches, never KEYS); returns how many. */
  readonly removePrefix: (prefix: string) => Effect.Effect<number, StoreError>
  /** Remaining time to live, None when the key does not exist. */
  readonly ttl: (key: string) => Effect.Effect<Option.Option<Duration.Duration>, StoreError>
}

export class KeyValueStore extends Context.Tag("@nezuko/core/KeyValueStore")<KeyValueStore, KeyValueStoreShape>() {
  /** Redis through the shared client. */
  static layerRedis(prefix: string) {
    return Layer.effect(KeyValueStore, Effect.map(RedisClient, (redis) => makeRedisStore(redis, prefix)))
  }

  /** A bounded in-memory store (CACHE-6: 50 000 entries, least recently used evicted); time from Clock. */
  static layerMemory(options: { readonly maxEntries?: number } = {}) {
    return Layer.sync(KeyValueStore, () => makeMemoryStore(options.maxEntries ?? 50_000))
  }
}

const ms = (ttl: Duration.DurationInput) => Math.max(1, Math.round(Duration.toMillis(ttl)))

export const makeRedisStore = (redis: Context.Tag.Service<RedisClient>, prefix: string): KeyValueStoreShape => {
  const k = (key: string) => prefix + key
  return {
    backend: "redis",
    get: (key) => Effect.map(redis.use((c) => c.get(k(key))), Option.fromNullable),
    getWithTtl: (key) =>
      Effect.map(redis.use((c) => c.multi().get(k(key)).pttl(k(key)).exec()), (replies) => {
        const value = replies?.[0]?.[1]
        const left = Number(replies?.[1]?.[1] ?? -2)
        // PTTL is -1 for a key without expiry; every key here has one, so treat it as expiring now.
        return typeof value === "string" ? Option.some([value, Duration.millis(Math.max(0, left))] as const) : Option.none()
      }),
    getMany: (keys) =>
      keys.length === 0
        ? Effect.succeed([])
        : Effect.map(redis.use((c) => c.mget(...keys.map(k))), (values) => values.map(Option.fromNullable)),
    set: (key, value, ttl) => Effect.asVoid(redis.use((c) => c.set(k(key), value, "PX", ms(ttl)))),
    setMany: (entries, ttl) =>
      entries.length === 0 ? Effect.void : redis.use(async (c) => {
        const replies = await entries.reduce((p, [key, value]) => p.set(k(key), value, "PX", ms(ttl)), c.pipeline()).exec()
        // A pipeline resolves even when commands in it failed; each reply carries its own error.
        const failed = replies?.find(([error]) => error !== null)
        if (failed !== undefined) throw failed[0]
      }),
    setIfAbsent: (key, value, ttl) =>
      Effect.map(redis.use((c) => c.set(k(key), value, "PX", ms(ttl), "NX")), (reply) => reply === "OK"),
    remove: (key) => Effect.asVoid(redis.use((c) => c.del(k(key)))),
    removePrefix: (prefix) =>
      redis.use(async (c) => {
        // REDIS_KEY_PREFIX may hold glob characters; MATCH takes backslash escapes.
        const pattern = `${k(prefix).replace(/[*?[\]\\]/g, "\\$&")}*`
        // Collected first, unlinked after: ioredis-mock's cursor skips keys deleted mid-scan (Redis's does not).
        const found = new Set<string>()
        let cursor = "0"
        do {
          const [next, keys] = await c.scan(cursor, "MATCH", pattern, "COUNT", 500)
          for (const key of keys) found.add(key)
          cursor = next
        } while (cursor !== "0")
        const all = [...found]
        let removed = 0
        for (let i = 0; i < all.length; i += 500) removed += await c.unlink(...all.slice(i, i + 500))
        return removed
      }),
    increment: (key, ttl) =>
      Effect.map(
        // Create the counter with its TTL first; INCR keeps an existing TTL. (PEXPIRE … NX would do too, but
        // ioredis-mock does not support it, and the contract suite runs there as well.)
        redis.use((c) => c.multi().set(k(key), "0", "PX", ms(ttl), "NX").incr(k(key)).exec()),
        (replies) => Number(replies?.[1]?.[1] ?? 0)
      ),
    ttl: (key) =>
      Effect.map(redis.use((c) => c.pttl(k(key))), (left) => (left < 0 ? Option.none() : Option.some(Duration.millis(left))))
  }
}

interface Entry {
  readonly value: string
  readonly expiresAt: number
}

export const makeMemoryStore = (maxEntries: number): KeyValueStoreShape => {
  // A Map iterates in insertion order; re-inserting on access makes the first key the least recently used.
  const entries = new Map<string, Entry>()
  const live = (key: string, now: number): Entry | undefined => {
    const entry = entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      entries.delete(key)
      return undefined
    }
    entries.delete(key)
    entries.set(key, entry)
    return entry
  }
  const put = (key: string, value: string, expiresAt: number) => {
    entries.delete(key)
    entries.set(key, { value, expiresAt })
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next()
      if (oldest.done) break
      entries.delete(oldest.value)
    }
  }
  const now = Clock.currentTimeMillis
  return {
    backend: "memory",
    get: (key) => Effect.map(now, (t) => Option.fromNullable(live(key, t)?.value)),
    getWithTtl: (key) =>
      Effect.map(now, (t) => {
        const entry = live(key, t)
        return entry ? Option.some([entry.value, Duration.millis(entry.expiresAt - t)] as const) : Option.none()
      }),
    getMany: (keys) => Effect.map(now, (t) => keys.map((key) => Option.fromNullable(live(key, t)?.value))),
    set: (key, value, ttl) => Effect.map(now, (t) => put(key, value, t + ms(ttl))),
    setMany: (entries, ttl) =>
      Effect.map(now, (t) => {
        for (const [key, value] of entries) put(key, value, t + ms(ttl))
      }),
    setIfAbsent: (key, value, ttl) =>
      Effect.map(now, (t) => {
        if (live(key, t) !== undefined) return false
        put(key, value, t + ms(ttl))
        return true
      }),
    remove: (key) => Effect.sync(() => void entries.delete(key)),
    removePrefix: (prefix) =>
      Effect.sync(() => {
        const doomed = [...entries.keys()].filter((key) => key.startsWith(prefix))
        for (const key of doomed) entries.delete(key)
        return doomed.length
      }),
    increment: (key, ttl) =>
      Effect.map(now, (t) => {
        const entry = live(key, t)
        const next = (entry ? Number(entry.value) : 0) + 1
        put(key, String(next), entry?.expiresAt ?? t + ms(ttl))
        return next
      }),
    ttl: (key) =>
      Effect.map(now, (t) => {
        const entry = live(key, t)
        return entry ? Option.some(Duration.millis(entry.expiresAt - t)) : Option.none()
      })
  }
}
