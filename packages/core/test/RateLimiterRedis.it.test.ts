import { describe, it } from "@effect/vitest"
import { AppConfigTest, redisServerUrl, RedisServerTest, ResilienceTest } from "@nezuko/testing"
import { Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { expect } from "vitest"
import { CircuitBreakers } from "../src/CircuitBreakers.js"
import { KeyValueStore } from "../src/KeyValueStore.js"
import { RateLimiter } from "../src/RateLimiter.js"
import { layerRedisLimiterStore } from "../src/RateLimiterRedis.js"
import { RateLimiterStore } from "../src/RateLimiterStore.js"
import { RedisClient } from "../src/Redis.js"
import { layerResilientKeyValueStore, layerResilientLimiterStore } from "../src/ResilientStores.js"

const prefix = `nztest:rl:${Date.now().toString(36)}:`
const env = { RATE_LIMIT_GLOBAL: "10" }

/** One "replica": its own Redis connection and limiter, the same key prefix as the others. */
const replica = (name: string) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      RateLimiter.Default.pipe(
        Layer.provide(layerRedisLimiterStore(prefix, name)),
        Layer.provide(RedisClient.layer(Redacted.make(redisServerUrl), { commandTimeout: "2 seconds" })),
        Layer.provide(AppConfigTest(env))
      )
    )
    return Context.get(context, RateLimiter)
  })

const maxInWindow = (times: ReadonlyArray<number>, windowMs: number) => {
  const sorted = [...times].sort((a, b) => a - b)
  let max = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[start] ?? 0) <= (sorted[end] ?? 0) - windowMs) start++
    max = Math.max(max, end - start + 1)
  }
  return max
}

describe("RateLimiter on the real Redis (LIM-11)", () => {
  it.live("two replicas share one message budget and one group window", () =>
    Effect.gen(function* () {
      const a = yield* replica("a")
      const b = yield* replica("b")
      const times: Array<number> = []
      const group: Array<number> = []
      const send = (limiter: RateLimiter, i: number) =>
        Effect.zipRight(limiter.acquire({ budget: "message", priority: 1, chatId: i % 5 === 0 ? -42 : -1000 - i }), Effect.sync(() => {
          times.push(Date.now())
          if (i % 5 === 0) group.push(Date.now())
        }))
      const started = Date.now()
      yield* Effect.all([...Array.from({ length: 15 }, (_, i) => send(a, i)), ...Array.from({ length: 15 }, (_, i) => send(b, i + 100))], {
        concurrency: "unbounded"
      })
      expect(times).toHaveLength(30)
      // Grants are decided on Redis' clock and noted here a few ms later, so measure with a 50 ms margin.
      expect(maxInWindow(times, 950)).toBeLessThanOrEqual(10)
      expect(maxInWindow(group, 950)).toBeLessThanOrEqual(3)
      // 30 sends at 10 per sliding second need at least two full windows.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000)
    }).pipe(Effect.scoped, Effect.provide(RedisServerTest(prefix))), { timeout: 20_000 })

  it.live("a 429 seen by one replica pauses the other", () =>
    Effect.gen(function* () {
      const a = yield* replica("a")
      const b = yield* replica("b")
      yield* a.rateLimited("api", Duration.millis(1_500))
      const started = Date.now()
      yield* b.acquire({ budget: "api", priority: 0 })
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_300)
    }).pipe(Effect.scoped, Effect.provide(RedisServerTest(prefix))), { timeout: 20_000 })

  it.live("the script records a grant in every window of the request, atomically", () =>
    Effect.gen(function* () {
      const store = yield* RateLimiterStore
      const checks = [
        { key: "rl:g", windowMs: 1_000, limit: 100, scope: "budget" as const },
        { key: "rl:c:-7", windowMs: 60_000, limit: 20, scope: "chat" as const },
        { key: "rl:c:-7", windowMs: 1_000, limit: 3, scope: "chat" as const }
      ]
      const results = yield* Effect.forEach(Array.from({ length: 4 }), () => store.tryAcquire("message", checks))
      expect(results.map((r) => r._tag)).toEqual(["Granted", "Granted", "Granted", "Wait"])
      expect(results[3]).toMatchObject({ scope: "chat" })
      const redis = yield* RedisClient
      expect(yield* redis.use((c) => c.zcard(`${prefix}rl:g`))).toBe(3)
      expect(yield* redis.use((c) => c.pttl(`${prefix}rl:c:-7`))).toBeGreaterThan(59_000)
    }).pipe(Effect.provide(layerRedisLimiterStore(prefix, "x").pipe(Layer.provideMerge(RedisServerTest(prefix))))))
})

describe("resilient stores (CACHE-6, LIM-12)", () => {
  const deadRedis = RedisClient.layer(Redacted.make("redis://127.0.0.1:1"))

  it.live("with Redis down the cache answers from memory and the redis breaker opens", () =>
    Effect.gen(function* () {
      const store = yield* KeyValueStore
      const breakers = yield* CircuitBreakers
      yield* store.set("verify:1:2", "1", "1 minute")
      expect(yield* store.get("verify:1:2")).toEqual(Option.some("1"))
      for (let i = 0; i < 5; i++) yield* store.get("x")
      expect((yield* breakers.state("redis"))._tag).toBe("open")
      expect(store.backend).toBe("memory")
      const limiter = yield* RateLimiterStore
      expect((yield* limiter.tryAcquire("api", [{ key: "rl:api", windowMs: 1_000, limit: 1, scope: "budget" }]))._tag).toBe("Granted")
      expect((yield* limiter.tryAcquire("api", [{ key: "rl:api", windowMs: 1_000, limit: 1, scope: "budget" }]))._tag).toBe("Wait")
    }).pipe(Effect.provide(
      Layer.mergeAll(layerResilientKeyValueStore("nz:"), layerResilientLimiterStore("nz:", "t")).pipe(
        Layer.provideMerge(deadRedis),
        Layer.provideMerge(ResilienceTest())
      )
    )), { timeout: 20_000 })

  it.live("with Redis up values live in Redis and the breaker stays closed", () =>
    Effect.gen(function* () {
      const store = yield* KeyValueStore
      const redis = yield* RedisClient
      yield* store.set("verify:3:4", "0", "1 minute")
      expect(yield* redis.use((c) => c.get(`${prefix}verify:3:4`))).toBe("0")
      expect(store.backend).toBe("redis")
      expect((yield* Effect.flatMap(CircuitBreakers, (b) => b.state("redis")))._tag).toBe("closed")
    }).pipe(Effect.provide(
      layerResilientKeyValueStore(prefix).pipe(Layer.provideMerge(RedisServerTest(prefix)), Layer.provideMerge(ResilienceTest()))
    )))
})
