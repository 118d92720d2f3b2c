import { KeyValueStore, RedisClient } from "@nezuko/core"
import { Effect, Layer, Redacted } from "effect"
import RedisMock from "ioredis-mock"

/** ioredis-mock behind our RedisClient: checks the commands we send. It keeps its own time (no TestClock). */
export const RedisMockTest = Layer.sync(RedisClient, () => RedisClient.fromClient(new RedisMock()))

/** The real server the integration suites use (STACK.md §8); REDIS_TEST_URL overrides it. */
export const redisServerUrl = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379"

/** A unique key prefix per test file, with its keys deleted on release, so suites never see each other. */
export const RedisServerTest = (prefix = `nztest:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}:`) =>
  Layer.scopedDiscard(
    Effect.flatMap(RedisClient, (redis) =>
      Effect.addFinalizer(() =>
        redis.use(async (c) => {
          const keys = await c.keys(`${prefix}*`)
          if (keys.length > 0) await c.del(...keys)
        }).pipe(Effect.ignore)
      ))
  ).pipe(
    Layer.provideMerge(KeyValueStore.layerRedis(prefix)),
    Layer.provideMerge(RedisClient.layer(Redacted.make(redisServerUrl), { commandTimeout: "2 seconds" }))
  )
