import { it } from "@effect/vitest"
import { RedisMockTest } from "@nezuko/testing"
import { Effect, Layer, Option } from "effect"
import { expect } from "vitest"
import { KeyValueStore } from "../src/KeyValueStore.js"
import { storeContract } from "./storeContract.js"

storeContract("memory", KeyValueStore.layerMemory(), "test")
storeContract("ioredis-mock", KeyValueStore.layerRedis("nz:").pipe(Layer.provide(RedisMockTest)), "live")

it.effect("the memory store is bounded: the least recently used entry goes first", () =>
  Effect.gen(function* () {
    const store = yield* KeyValueStore
    yield* store.set("a", "1", "1 minute")
    yield* store.set("b", "2", "1 minute")
    yield* store.get("a")
    yield* store.set("c", "3", "1 minute")
    expect(yield* store.getMany(["a", "b", "c"])).toEqual([Option.some("1"), Option.none(), Option.some("3")])
  }).pipe(Effect.provide(KeyValueStore.layerMemory({ maxEntries: 2 }))))
