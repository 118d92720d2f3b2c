import { describe, it } from "@effect/vitest"
import { AppConfigTest } from "@nezuko/testing"
import { Clock, Context, Duration, Effect, Fiber, Layer, Metric, Ref, TestClock } from "effect"
import { expect } from "vitest"
import { emergencyGauge, overridesEvery, type Permit, type Priority, RateLimiter, RateLimitOverrides } from "../src/RateLimiter.js"
import { RateLimiterStore } from "../src/RateLimiterStore.js"

const LimiterTest = (env: Record<string, string> = {}) =>
  RateLimiter.Default.pipe(Layer.provide(RateLimiterStore.layerMemory), Layer.provide(AppConfigTest(env)))

/** mulberry32: a fixed-seed generator, so every "random" burst is reproducible from its seed. */
const prng = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Request extends Permit {
  readonly at: number
}
interface Outcome {
  readonly request: Request
  readonly grantedAt: number | undefined
}

/** Random bursts: a few clusters of calls, random chats (6 groups, 2 private chats) and priorities. */
const burst = (seed: number, size: number, spanMs: number, budget: "message" | "api"): Array<Request> => {
  const random = prng(seed)
  const clusters = Array.from({ length: 4 }, () => Math.floor(random() * spanMs))
  const chats = [-1001, -1002, -1003, -1004, -1005, -1006, 501, 502]
  return Array.from({ length: size }, () => {
    const center = clusters[Math.floor(random() * clusters.length)] ?? 0
    const r = random()
    const priority: Priority = r < 0.1 ? 0 : r < 0.6 ? 1 : 2
    return {
      at: Math.max(0, Math.round((center + (random() - 0.5) * 4_000) / 20) * 20),
      budget,
      priority,
      chatId: budget === "message" ? chats[Math.floor(random() * chats.length)] : undefined
    }
  })
}

/** Starts every request at its arrival time under TestClock and returns when each was granted (or dropped). */
const run = (requests: ReadonlyArray<Request>, horizonMs: number) =>
  Effect.gen(function* () {
    const limiter = yield* RateLimiter
    const start = yield* Clock.currentTimeMillis
    const fibers: Array<Fiber.RuntimeFiber<Outcome>> = []
    // One clock move per distinct arrival time instead of a sleeping fiber per request: TestClock inspects
    // every fiber on each move, so this keeps thousands of requests fast.
    for (const request of [...requests].sort((a, b) => a.at - b.at)) {
      if (start + request.at > (yield* Clock.currentTimeMillis)) yield* TestClock.setTime(start + request.at)
      fibers.push(yield* Effect.fork(
        limiter.acquire(request).pipe(
          Effect.zipRight(Clock.currentTimeMillis),
          Effect.map((grantedAt): Outcome => ({ request, grantedAt: grantedAt - start })),
          Effect.catchTag("RateLimitDropped", () => Effect.succeed<Outcome>({ request, grantedAt: undefined }))
        )
      ))
    }
    yield* TestClock.setTime(start + horizonMs)
    return yield* Effect.forEach(fibers, Fiber.join)
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

const grantedTimes = (outcomes: ReadonlyArray<Outcome>, filter: (o: Outcome) => boolean = () => true) =>
  outcomes.flatMap((o) => (o.grantedAt !== undefined && filter(o) ? [o.grantedAt] : []))

describe("RateLimiter properties (LIM-1..LIM-3)", () => {
  for (const seed of [1, 42, 1234]) {
    it.effect(`seed ${seed}: no 1 s window over 25 sends, no group over 20 per 60 s or 3 per s, private 1 per s`, () =>
      Effect.gen(function* () {
        const outcomes = yield* run(burst(seed, 400, 60_000, "message"), 200_000)
        expect(maxInWindow(grantedTimes(outcomes), 1_000)).toBeLessThanOrEqual(25)
        for (const chat of new Set(outcomes.map((o) => o.request.chatId))) {
          const times = grantedTimes(outcomes, (o) => o.request.chatId === chat)
          if (typeof chat === "number" && chat < 0) {
            expect(maxInWindow(times, 60_000)).toBeLessThanOrEqual(20)
            expect(maxInWindow(times, 1_000)).toBeLessThanOrEqual(3)
          } else {
            expect(maxInWindow(times, 1_000)).toBeLessThanOrEqual(1)
          }
        }
        // P0 and P1 are never dropped; only P2 may expire.
        expect(outcomes.filter((o) => o.grantedAt === undefined && o.request.priority !== 2)).toEqual([])
      }).pipe(Effect.provide(LimiterTest())), { timeout: 60_000 })

    it.effect(`seed ${seed}: P0 is never starved by P1/P2 and the API budget holds 100/s`, () =>
      Effect.gen(function* () {
        const outcomes = yield* run(burst(seed, 1_500, 8_000, "api"), 30_000)
        const all = grantedTimes(outcomes)
        expect(all).toHaveLength(1_500)
        expect(maxInWindow(all, 1_000)).toBeLessThanOrEqual(100)
        for (const p0 of outcomes.filter((o) => o.request.priority === 0)) {
          const { at } = p0.request
          const granted = p0.grantedAt ?? Number.POSITIVE_INFINITY
          const overtaken = outcomes.filter((o) =>
            o.request.priority > 0 && o.grantedAt !== undefined && o.grantedAt > at && o.grantedAt < granted)
          expect(overtaken).toEqual([])
        }
      }).pipe(Effect.provide(LimiterTest())), { timeout: 60_000 })
  }
})

describe("RateLimiter behaviour", () => {
  it.effect("one full group does not hold back others", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter
      for (let i = 0; i < 3; i++) yield* limiter.acquire({ budget: "message", priority: 1, chatId: -1 })
      const blocked = yield* Effect.fork(limiter.acquire({ budget: "message", priority: 0, chatId: -1 }))
      yield* limiter.acquire({ budget: "message", priority: 2, chatId: -2 })
      yield* TestClock.adjust("999 millis")
      expect(blocked.unsafePoll()).toBeNull()
      yield* TestClock.adjust("2 millis")
      yield* Fiber.join(blocked)
    }).pipe(Effect.provide(LimiterTest())))

  it.effect("a P2 call that waited 15 s goes before newer P1 calls", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter
      yield* limiter.rateLimited("message", Duration.seconds(20))
      // A private chat takes one message per second, so the grant times show the order.
      const granted = (priority: Priority) =>
        Effect.fork(Effect.zipRight(limiter.acquire({ budget: "message", priority, chatId: 77 }), Clock.currentTimeMillis))
      const p2 = yield* granted(2)
      yield* TestClock.adjust("16 seconds")
      const p1 = yield* granted(1)
      yield* TestClock.adjust("6 seconds")
      expect(yield* Fiber.join(p2)).toBe(20_000)
      expect(yield* Fiber.join(p1)).toBe(21_000)
    }).pipe(Effect.provide(LimiterTest())))

  it.effect("a fresh P2 call waits behind P1 calls", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter
      yield* limiter.rateLimited("message", Duration.seconds(5))
      const granted = (priority: Priority) =>
        Effect.fork(Effect.zipRight(limiter.acquire({ budget: "message", priority, chatId: 77 }), Clock.currentTimeMillis))
      const p2 = yield* granted(2)
      const p1 = yield* granted(1)
      yield* TestClock.adjust("7 seconds")
      expect(yield* Fiber.join(p1)).toBe(5_000)
      expect(yield* Fiber.join(p2)).toBe(6_000)
    }).pipe(Effect.provide(LimiterTest())))

  it.effect("a P2 call not granted within 60 s is dropped; P1 waits as long as it takes", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter
      yield* limiter.rateLimited("message", Duration.seconds(90))
      const p2 = yield* Effect.fork(Effect.flip(limiter.acquire({ budget: "message", priority: 2 })))
      const p1 = yield* Effect.fork(limiter.acquire({ budget: "message", priority: 1 }))
      yield* TestClock.adjust("60 seconds")
      expect(yield* Fiber.join(p2)).toMatchObject({ _tag: "RateLimitDropped", reason: "expired" })
      expect((yield* limiter.status).queued).toEqual({ P0: 0, P1: 1, P2: 0 })
      yield* TestClock.adjust("31 seconds")
      yield* Fiber.join(p1)
    }).pipe(Effect.provide(LimiterTest())))

  it.effect("above 2 000 queued calls new P2 calls are shed, P0/P1 still queue", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter
      yield* limiter.rateLimited("api", Duration.seconds(30))
      yield* Effect.forEach(Array.from({ length: 2_000 }), () => Effect.fork(limiter.acquire({ budget: "api", priority: 1 })))
      yield* TestClock.adjust("1 millis")
      expect(yield* Effect.flip(limiter.acquire({ budget: "api", priority: 2 }))).toMatchObject({ reason: "shed" })
      const p0 = yield* Effect.fork(limiter.acquire({ budget: "api", priority: 0 }))
      yield* TestClock.adjust("31 seconds")
      yield* Fiber.join(p0)
    }).pipe(Effect.provide(LimiterTest())))

  it.effect("a grant stays in its windows until its request has been answered", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter
      yield* Effect.fork(limiter.withPermit({ budget: "message", priority: 1, chatId: 9 }, Effect.sleep("500 millis")))
      yield* TestClock.adjust("1 millis")
      const next = yield* Effect.fork(Effect.zipRight(limiter.acquire({ budget: "message", priority: 1, chatId: 9 }), Clock.currentTimeMillis))
      yield* TestClock.adjust("2 seconds")
      // A private chat allows one per second, counted from the answer (500 ms), not from the grant (0).
      expect(yield* Fiber.join(next)).toBe(1_500)
    }).pipe(Effect.provide(LimiterTest())))

  it.effect("an api-budget grant counts from the grant: the ceiling is ours, and settling would cost a round trip", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter
      yield* Effect.fork(limiter.withPermit({ budget: "api", priority: 1 }, Effect.sleep("500 millis")))
      yield* TestClock.adjust("1 millis")
      const next = yield* Effect.fork(Effect.zipRight(limiter.acquire({ budget: "api", priority: 1 }), Clock.currentTimeMillis))
      yield* TestClock.adjust("2 seconds")
      expect(yield* Fiber.join(next)).toBe(1_000)
    }).pipe(Effect.provide(LimiterTest({ RATE_LIMIT_API_CALLS: "1" }))))

  it.effect("a 429 pauses the whole budget for retry_after", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter
      yield* limiter.rateLimited("message", Duration.seconds(3))
      const fiber = yield* Effect.fork(limiter.acquire({ budget: "message", priority: 0, chatId: -5 }))
      yield* limiter.acquire({ budget: "api", priority: 1 })
      yield* TestClock.adjust("2999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("2 millis")
      yield* Fiber.join(fiber)
    }).pipe(Effect.provide(LimiterTest())))

  it.effect("five 429s within 60 s: emergency mode, 15 messages/s and P2 paused for 5 minutes", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter
      for (let i = 0; i < 5; i++) yield* limiter.rateLimited("message", Duration.millis(1))
      yield* TestClock.adjust("10 millis")
      expect((yield* limiter.status).emergency).toBe(true)
      const p2 = yield* Effect.fork(limiter.acquire({ budget: "message", priority: 2 }))
      const sends = yield* Effect.fork(run(Array.from({ length: 40 }, (_, i): Request => ({ at: i, budget: "message", priority: 1 })), 3_000))
      const outcomes = yield* Fiber.join(sends)
      expect(maxInWindow(grantedTimes(outcomes), 1_000)).toBeLessThanOrEqual(15)
      expect(grantedTimes(outcomes)).toHaveLength(40)
      yield* TestClock.adjust("60 seconds")
      expect(yield* Effect.flip(Fiber.join(p2))).toMatchObject({ reason: "expired" })
      yield* TestClock.adjust("5 minutes")
      expect((yield* limiter.status).emergency).toBe(false)
      yield* limiter.acquire({ budget: "message", priority: 2 })
    }).pipe(Effect.provide(LimiterTest())), { timeout: 30_000 })

  it.effect("DATA-19: the run-time limits replace the environment's within a refresh; out-of-range values keep the env's", () =>
    Effect.gen(function* () {
      const stored = yield* Ref.make<{ global?: number; perGroup?: number }>({ perGroup: 2 })
      const built = yield* Layer.build(LimiterTest().pipe(Layer.provide(Layer.succeed(RateLimitOverrides, Ref.get(stored)))))
      const limiter = Context.get(built, RateLimiter)
      yield* TestClock.adjust("1 millis")
      expect(limiter.current()).toEqual({ global: 25, perGroup: 2 })
      // A group's third message in the minute waits.
      yield* limiter.acquire({ budget: "message", priority: 1, chatId: -7 })
      yield* limiter.acquire({ budget: "message", priority: 1, chatId: -7 })
      const third = yield* Effect.fork(limiter.acquire({ budget: "message", priority: 1, chatId: -7 }))
      yield* TestClock.adjust("10 seconds")
      expect(third.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(third)
      yield* Ref.set(stored, { global: 10, perGroup: 99 })
      yield* TestClock.adjust(overridesEvery)
      expect(limiter.current()).toEqual({ global: 10, perGroup: 20 })
      yield* limiter.acquire({ budget: "message", priority: 1, chatId: -7 })
    }).pipe(Effect.scoped))

  it.effect("the emergency gauge goes back to 0 when the mode ends, with no call to wake the dispatcher", () =>
    Effect.gen(function* () {
      const limiter = yield* RateLimiter
      const gauge = () => Metric.value(emergencyGauge).pipe(Effect.map((s) => s.value))
      for (let i = 0; i < 5; i++) yield* limiter.rateLimited("message", Duration.millis(1))
      expect(yield* gauge()).toBe(1)
      yield* TestClock.adjust("4 minutes")
      // A 429 during the mode extends it: the gauge follows the new end, not the first one.
      for (let i = 0; i < 5; i++) yield* limiter.rateLimited("message", Duration.millis(1))
      yield* TestClock.adjust("2 minutes")
      expect(yield* gauge()).toBe(1)
      yield* TestClock.adjust("3 minutes")
      expect((yield* limiter.status).emergency).toBe(false)
      expect(yield* gauge()).toBe(0)
    }).pipe(Effect.provide(LimiterTest())), { timeout: 30_000 })
})
