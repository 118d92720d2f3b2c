import { it } from "@effect/vitest"
import { RedisServerTest } from "@nezuko/testing"
import { Effect, Layer, Redacted } from "effect"
import { expect } from "vitest"
import { KeyValueStore } from "../src/KeyValueStore.js"
import { RedisClient } from "../src/Redis.js"
import { storeContract } from "./storeContract.js"

storeContract("real Redis", RedisServerTest(), "live")

it.live("keys carry REDIS_KEY_PREFIX on the server", () =>
  Effect.gen(function* () {
    const store = yield* KeyValueStore
    const redis = yield* RedisClient
    yield* store.set("adm:-100", "[]", "10 seconds")
    const keys = yield* redis.use((c) => c.keys("nztest:prefix-check:*"))
    expect(keys).toEqual(["nztest:prefix-check:adm:-100"])
  }).pipe(Effect.provide(RedisServerTest("nztest:prefix-check:"))))

it.live("a Redis that does not answer fails fast with a typed error instead of hanging", () =>
  Effect.gen(function* () {
    const store = yield* KeyValueStore
    const started = Date.now()
    const result = yield* Effect.either(store.get("x"))
    expect(result._tag).toBe("Left")
    expect(Date.now() - started).toBeLessThan(3_000)
  }).pipe(Effect.provide(KeyValueStore.layerRedis("nz:").pipe(Layer.provide(RedisClient.layer(Redacted.make("redis://127.0.0.1:1")))))))

