import { it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { expect } from "vitest"
import { makeLocalCache } from "../src/LocalCache.js"

it.scoped("refresh-ahead: young copies as is, older ones served while one lookup replaces them, none past maxAge", () =>
  Effect.gen(function* () {
    let version = 0
    let lookups = 0
    const cache = yield* makeLocalCache({
      capacity: 10,
      refreshAfter: "5 seconds",
      maxAge: "60 seconds",
      lookup: (key: string) => Effect.sync(() => {
        lookups++
        return `${key}@${version}`
      })
    })
    expect(yield* cache.get("g")).toBe("g@0")
    version = 1
    yield* TestClock.adjust("4 seconds")
    expect(yield* cache.get("g")).toBe("g@0")
    expect(lookups).toBe(1)
    // Stale: this read still gets the old copy and starts one background lookup; the next read has the new one.
    yield* TestClock.adjust("2 seconds")
    expect(yield* cache.get("g")).toBe("g@0")
    yield* Effect.yieldNow()
    expect(yield* cache.get("g")).toBe("g@1")
    expect(lookups).toBe(2)
    // Unused for longer than maxAge: the read waits for a fresh lookup instead of getting a minute-old copy.
    version = 2
    yield* TestClock.adjust("61 seconds")
    expect(yield* cache.get("g")).toBe("g@2")
    // invalidate (nz:inv) drops it at once.
    version = 3
    yield* cache.invalidate("g")
    expect(yield* cache.get("g")).toBe("g@3")
  }))

it.scoped("a slow lookup is started once for many stale reads; failures are not kept", () =>
  Effect.gen(function* () {
    let lookups = 0
    let fail = false
    const cache = yield* makeLocalCache({
      capacity: 10,
      refreshAfter: "5 seconds",
      maxAge: "60 seconds",
      lookup: (_: number) => Effect.suspend(() => {
        lookups++
        return fail ? Effect.fail("down" as const) : Effect.as(Effect.sleep("1 second"), lookups)
      })
    })
    const first = yield* Effect.fork(cache.get(1))
    yield* TestClock.adjust("1 second")
    expect(yield* Fiber.join(first)).toBe(1)
    yield* TestClock.adjust("6 seconds")
    for (let i = 0; i < 5; i++) expect(yield* cache.get(1)).toBe(1)
    yield* Effect.yieldNow()
    expect(lookups).toBe(2)
    yield* TestClock.adjust("1 second")
    expect(yield* cache.get(1)).toBe(2)
    fail = true
    yield* cache.invalidate(1)
    expect(yield* Effect.flip(cache.get(1))).toBe("down")
    fail = false
    yield* TestClock.adjust("1 millis")
    const again = yield* Effect.fork(cache.get(1))
    yield* TestClock.adjust("1 second")
    expect(yield* Fiber.join(again)).toBe(4)
  }))

it.scoped("peek answers only what get would answer from a young copy, without a lookup", () =>
  Effect.gen(function* () {
    let lookups = 0
    const cache = yield* makeLocalCache({
      capacity: 10,
      refreshAfter: "5 seconds",
      maxAge: "60 seconds",
      lookup: (key: string) => Effect.sync(() => `${key}@${++lookups}`)
    })
    const now = () => TestClock.currentTimeMillis
    expect(cache.peek("g", yield* now())).toBeUndefined()
    expect(yield* cache.get("g")).toBe("g@1")
    expect(cache.peek("g", yield* now())).toBe("g@1")
    yield* TestClock.adjust("4999 millis")
    expect(cache.peek("g", yield* now())).toBe("g@1")
    // Due for renewal: peek declines, so the caller goes through get, which starts the refresh.
    yield* TestClock.adjust("1 millis")
    expect(cache.peek("g", yield* now())).toBeUndefined()
    expect(lookups).toBe(1)
    yield* cache.invalidate("g")
    expect(cache.peek("g", 0)).toBeUndefined()
  }))
