import { Effect, Layer } from "effect"
import { CircuitBreakers } from "./CircuitBreakers.js"
import { KeyValueStore, type KeyValueStoreShape, makeMemoryStore, makeRedisStore, type StoreError } from "./KeyValueStore.js"
import { RedisClient } from "./Redis.js"
import { makeRedisLimiterStore } from "./RateLimiterRedis.js"
import { makeMemoryLimiterStore, RateLimiterStore, type RateLimiterStoreShape } from "./RateLimiterStore.js"

/**
 * Runs `op` on Redis through the `redis` breaker; while the breaker is open, or when the call fails, on the
 * per-replica memory fallback (CACHE-6, LIM-11, LIM-13). The first Redis success after a fallback drops the
 * memory copy: nothing is copied back.
 */
const makeFallback = <S>(breakers: CircuitBreakers, redis: S, freshMemory: () => S) => {
  let memory = freshMemory()
  let degraded = false
  const run = <A>(op: (store: S) => Effect.Effect<A, StoreError>): Effect.Effect<A> =>
    breakers.protect("redis", op(redis)).pipe(
      Effect.tap(() => {
        if (degraded) {
          degraded = false
          memory = freshMemory()
        }
      }),
      Effect.catchTags({
        RedisError: () => fallback(op),
        CircuitOpen: () => fallback(op)
      })
    )
  const fallback = <A>(op: (store: S) => Effect.Effect<A, StoreError>): Effect.Effect<A> => {
    degraded = true
    // The memory stores never fail; orDie only satisfies the shared signature.
    return Effect.orDie(op(memory))
  }
  return { run, isDegraded: () => degraded }
}

/** KeyValueStore on Redis with the memory LRU (50 000 entries, same TTLs) behind the `redis` breaker. */
export const layerResilientKeyValueStore = (prefix: string) =>
  Layer.scoped(
    KeyValueStore,
    Effect.gen(function* () {
      const breakers = yield* CircuitBreakers
      const redis = yield* RedisClient
      const via = makeFallback<KeyValueStoreShape>(breakers, makeRedisStore(redis, prefix), () => makeMemoryStore(50_000))
      // LIM-12: the half-open probe is a PING, so Redis recovers even when nothing reads the cache.
      yield* Effect.forkScoped(breakers.probeLoop("redis", redis.use((c) => c.ping())))
      const store: KeyValueStoreShape = {
        get backend() {
          return via.isDegraded() ? "memory" : "redis"
        },
        get: (key) => via.run((s) => s.get(key)),
        getWithTtl: (key) => via.run((s) => s.getWithTtl(key)),
        getMany: (keys) => via.run((s) => s.getMany(keys)),
        set: (key, value, ttl) => via.run((s) => s.set(key, value, ttl)),
        setMany: (entries, ttl) => via.run((s) => s.setMany(entries, ttl)),
        setIfAbsent: (key, value, ttl) => via.run((s) => s.setIfAbsent(key, value, ttl)),
        remove: (key) => via.run((s) => s.remove(key)),
        removePrefix: (prefix) => via.run((s) => s.removePrefix(prefix)),
        increment: (key, ttl) => via.run((s) => s.increment(key, ttl)),
        ttl: (key) => via.run((s) => s.ttl(key))
      }
      return store
    })
  )

/**
 * Limiter windows shared through Redis; while Redis is unavailable each replica keeps local windows at the
 * configured limits divided by the live replicas (LIM-11, at least 1 per window).
 */
export const layerResilientLimiterStore = (
  prefix: string,
  instanceId: string,
  liveReplicas: Effect.Effect<number> = Effect.succeed(1)
) =>
  Layer.effect(
    RateLimiterStore,
    Effect.gen(function* () {
      const breakers = yield* CircuitBreakers
      const redis = yield* RedisClient
      const via = makeFallback<RateLimiterStoreShape>(breakers, makeRedisLimiterStore(redis, prefix, instanceId), makeMemoryLimiterStore)
      const store: RateLimiterStoreShape = {
        get backend() {
          return via.isDegraded() ? "memory" : "redis"
        },
        tryAcquire: (budget, checks) =>
          Effect.flatMap(via.isDegraded() ? liveReplicas : Effect.succeed(1), (replicas) =>
            via.run((s) =>
              s.tryAcquire(
                budget,
                s.backend === "redis" || replicas <= 1 ? checks : checks.map((c) => ({ ...c, limit: Math.max(1, Math.floor(c.limit / replicas)) }))
              ))),
        settle: (checks, id) => via.run((s) => s.settle(checks, id)),
        pause: (budget, durationMs) => via.run((s) => s.pause(budget, durationMs))
      }
      return store
    })
  )
