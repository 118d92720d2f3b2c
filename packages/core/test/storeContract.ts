import { describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option, TestClock } from "effect"
import { expect } from "vitest"
import { KeyValueStore } from "../src/KeyValueStore.js"

/**
 * One contract for every KeyValueStore: memory (driven by TestClock), ioredis-mock and the real Redis (real
 * time, so their expiry checks wait a few hundred milliseconds).
 */
export const storeContract = (name: string, layer: Layer.Layer<KeyValueStore, unknown>, time: "test" | "live") => {
  const test = time === "test" ? it.effect : it.live
  const pass = (d: Duration.DurationInput) => (time === "test" ? TestClock.adjust(d) : Effect.sleep(d))
  const ttl = time === "test" ? Duration.seconds(60) : Duration.millis(300)
  const run = <A, E>(self: Effect.Effect<A, E, KeyValueStore>) => Effect.provide(self, layer)

  describe(`KeyValueStore contract: ${name}`, () => {
    test("set then get, getMany keeps order and reports misses, remove deletes", () =>
      run(Effect.gen(function* () {
        const store = yield* KeyValueStore
        yield* store.set("verify:1:2", "1", ttl)
        yield* store.set("verify:1:3", "0", ttl)
        expect(yield* store.get("verify:1:2")).toEqual(Option.some("1"))
        expect(yield* store.getMany(["verify:1:3", "missing", "verify:1:2"])).toEqual([Option.some("0"), Option.none(), Option.some("1")])
        expect(yield* store.getMany([])).toEqual([])
        yield* store.remove("verify:1:2")
        expect(yield* store.get("verify:1:2")).toEqual(Option.none())
      })))

    test("setMany sets every key with the TTL in one call; none is a no-op", () =>
      run(Effect.gen(function* () {
        const store = yield* KeyValueStore
        yield* store.setMany([["upd:1", "1"], ["upd:2", "1"], ["upd:3", "x"]], ttl)
        yield* store.setMany([], ttl)
        expect(yield* store.getMany(["upd:1", "upd:2", "upd:3", "upd:4"])).toEqual([Option.some("1"), Option.some("1"), Option.some("x"), Option.none()])
        const left = yield* store.ttl("upd:2")
        expect(Option.map(left, (d) => Duration.toMillis(d) > 0 && Duration.toMillis(d) <= Duration.toMillis(ttl))).toEqual(Option.some(true))
        yield* pass(Duration.times(ttl, 1.5))
        expect(yield* store.getMany(["upd:1", "upd:3"])).toEqual([Option.none(), Option.none()])
      })))

    test("removePrefix deletes exactly the keys under a prefix", () =>
      run(Effect.gen(function* () {
        const store = yield* KeyValueStore
        yield* store.setMany(Array.from({ length: 1_200 }, (_, i) => [`verify:-100:${i}`, "1"] as const), ttl)
        yield* store.set("verify:-1001:1", "1", ttl)
        expect(yield* store.removePrefix("verify:-100:")).toBe(1_200)
        expect(yield* store.getMany(["verify:-100:7", "verify:-1001:1"])).toEqual([Option.none(), Option.some("1")])
        expect(yield* store.removePrefix("verify:-100:")).toBe(0)
      })))

    test("values expire with their TTL", () =>
      run(Effect.gen(function* () {
        const store = yield* KeyValueStore
        yield* store.set("perm:1", "x", ttl)
        const left = yield* store.ttl("perm:1")
        expect(Option.map(left, (d) => Duration.toMillis(d) > 0 && Duration.toMillis(d) <= Duration.toMillis(ttl))).toEqual(Option.some(true))
        const withTtl = yield* store.getWithTtl("perm:1")
        expect(Option.map(withTtl, ([value, d]) => [value, Duration.toMillis(d) > 0 && Duration.toMillis(d) <= Duration.toMillis(ttl)])).toEqual(Option.some(["x", true]))
        expect(yield* store.getWithTtl("perm:2")).toEqual(Option.none())
        yield* pass(Duration.times(ttl, 1.5))
        expect(yield* store.get("perm:1")).toEqual(Option.none())
        expect(yield* store.ttl("perm:1")).toEqual(Option.none())
      })))

    test("setIfAbsent wins once until the key expires", () =>
      run(Effect.gen(function* () {
        const store = yield* KeyValueStore
        expect(yield* store.setIfAbsent("lock:1:2", "a", ttl)).toBe(true)
        expect(yield* store.setIfAbsent("lock:1:2", "b", ttl)).toBe(false)
        expect(yield* store.get("lock:1:2")).toEqual(Option.some("a"))
        yield* pass(Duration.times(ttl, 1.5))
        expect(yield* store.setIfAbsent("lock:1:2", "b", ttl)).toBe(true)
      })))

    test("increment counts within a fixed window that starts at the first hit", () =>
      run(Effect.gen(function* () {
        const store = yield* KeyValueStore
        expect(yield* store.increment("login:ip:1.2.3.4", ttl)).toBe(1)
        yield* pass(Duration.times(ttl, 0.5))
        expect(yield* store.increment("login:ip:1.2.3.4", ttl)).toBe(2)
        yield* pass(Duration.times(ttl, 0.7))
        expect(yield* store.increment("login:ip:1.2.3.4", ttl)).toBe(1)
      })))
  })
}
