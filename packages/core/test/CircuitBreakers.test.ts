import { describe, it } from "@effect/vitest"
import { ResilienceTest } from "@nezuko/testing"
import { AlertRepo, type NewAlert } from "@nezuko/db"
import { DatabaseUnavailable } from "@nezuko/domain"
import { Data, Effect, Fiber, Layer, Metric, MetricState, TestClock } from "effect"
import { expect } from "vitest"
import { BreakerAlertsLive, CircuitBreakers, circuitState, postgresProtected } from "../src/CircuitBreakers.js"
import { Health } from "../src/Health.js"

class Boom extends Data.TaggedError("Boom")<{ readonly counts: boolean }> {}
const fail = (counts = true) => Effect.fail(new Boom({ counts }))
const countsAsFailure = (e: Boom) => e.counts

const tripRedis = Effect.gen(function* () {
  const breakers = yield* CircuitBreakers
  for (let i = 0; i < 5; i++) yield* Effect.exit(breakers.protect("redis", fail(), countsAsFailure))
})
const stateOf = (name: "telegram" | "redis" | "postgres") => Effect.flatMap(CircuitBreakers, (b) => Effect.map(b.state(name), (s) => s._tag))
const gauge = (name: string) =>
  Effect.map(Metric.value(Metric.tagged(circuitState, "breaker", name)), (s: MetricState.MetricState.Gauge<number>) => s.value)

describe("CircuitBreakers (LIM-12)", () => {
  it.effect("opens after the configured consecutive failures and then fails fast with CircuitOpen", () =>
    Effect.gen(function* () {
      const breakers = yield* CircuitBreakers
      for (let i = 0; i < 4; i++) yield* Effect.exit(breakers.protect("redis", fail(), countsAsFailure))
      expect(yield* stateOf("redis")).toBe("closed")
      yield* Effect.exit(breakers.protect("redis", fail(), countsAsFailure))
      expect(yield* stateOf("redis")).toBe("open")
      expect(yield* gauge("redis")).toBe(2)
      let ran = false
      const error = yield* Effect.flip(breakers.protect("redis", Effect.sync(() => (ran = true))))
      expect(error).toMatchObject({ _tag: "CircuitOpen", breaker: "redis" })
      expect(ran).toBe(false)
      const report = yield* Effect.flatMap(Health, (h) => h.report)
      expect(report.checks.breakers).toEqual({ telegram: "closed", redis: "open", postgres: "closed" })
    }).pipe(Effect.provide(ResilienceTest())))

  it.effect("errors that do not count reset the consecutive count", () =>
    Effect.gen(function* () {
      const breakers = yield* CircuitBreakers
      for (let i = 0; i < 4; i++) yield* Effect.exit(breakers.protect("telegram", fail(), countsAsFailure))
      yield* Effect.exit(breakers.protect("telegram", fail(false), countsAsFailure))
      for (let i = 0; i < 4; i++) yield* Effect.exit(breakers.protect("telegram", fail(), countsAsFailure))
      expect(yield* stateOf("telegram")).toBe("closed")
    }).pipe(Effect.provide(ResilienceTest())))

  it.effect("after the open time one trial runs (half-open); two successes close it", () =>
    Effect.gen(function* () {
      const breakers = yield* CircuitBreakers
      yield* tripRedis
      yield* TestClock.adjust("29 seconds")
      expect((yield* Effect.flip(breakers.protect("redis", Effect.void)))._tag).toBe("CircuitOpen")
      yield* TestClock.adjust("1 second")
      const trial = yield* Effect.fork(breakers.protect("redis", Effect.sleep("100 millis")))
      yield* TestClock.adjust("1 millis")
      expect(yield* stateOf("redis")).toBe("half_open")
      expect(yield* gauge("redis")).toBe(1)
      // Only one trial at a time.
      expect((yield* Effect.flip(breakers.protect("redis", Effect.void)))._tag).toBe("CircuitOpen")
      yield* TestClock.adjust("100 millis")
      yield* Fiber.join(trial)
      expect(yield* stateOf("redis")).toBe("half_open")
      yield* breakers.protect("redis", Effect.void)
      expect(yield* stateOf("redis")).toBe("closed")
      expect(yield* gauge("redis")).toBe(0)
    }).pipe(Effect.provide(ResilienceTest())))

  it.effect("a failed trial reopens with double the open time, at most 5 minutes", () =>
    Effect.gen(function* () {
      const breakers = yield* CircuitBreakers
      yield* tripRedis
      const openFor = Effect.map(breakers.state("redis"), (s) => (s._tag === "open" ? s.openForMs : -1))
      const expected = [60_000, 120_000, 240_000, 300_000, 300_000]
      let wait = 30_000
      for (const ms of expected) {
        yield* TestClock.adjust(wait)
        yield* Effect.exit(breakers.protect("redis", fail(), countsAsFailure))
        expect(yield* openFor).toBe(ms)
        wait = ms
      }
      yield* TestClock.adjust(299_999)
      expect((yield* Effect.flip(breakers.protect("redis", Effect.void)))._tag).toBe("CircuitOpen")
    }).pipe(Effect.provide(ResilienceTest())))

  it.effect("thresholds and open times come from configuration", () =>
    Effect.gen(function* () {
      const breakers = yield* CircuitBreakers
      yield* Effect.exit(breakers.protect("postgres", fail()))
      expect(yield* stateOf("postgres")).toBe("open")
      yield* TestClock.adjust("5 seconds")
      yield* breakers.protect("postgres", Effect.void)
      expect(yield* stateOf("postgres")).toBe("half_open")
    }).pipe(Effect.provide(ResilienceTest({ BREAKER_POSTGRES_FAILURES: "1", BREAKER_POSTGRES_OPEN_SECONDS: "5" }))))

  it.effect("probeLoop recovers a breaker nobody calls", () =>
    Effect.gen(function* () {
      const breakers = yield* CircuitBreakers
      yield* tripRedis
      yield* Effect.forkScoped(breakers.probeLoop("redis", Effect.void))
      yield* TestClock.adjust("31 seconds")
      expect(yield* stateOf("redis")).toBe("closed")
    }).pipe(Effect.scoped, Effect.provide(ResilienceTest())))

  it.effect("postgresProtected counts only DatabaseUnavailable", () =>
    Effect.gen(function* () {
      class DatabaseUnavailable extends Data.TaggedError("DatabaseUnavailable")<{}> {}
      for (let i = 0; i < 5; i++) yield* Effect.exit(postgresProtected(fail()))
      expect(yield* stateOf("postgres")).toBe("closed")
      for (let i = 0; i < 3; i++) yield* Effect.exit(postgresProtected(Effect.fail(new DatabaseUnavailable())))
      expect(yield* stateOf("postgres")).toBe("open")
    }).pipe(Effect.provide(ResilienceTest())))
})

describe("BreakerAlertsLive (LIM-12: open for more than 60 s raises an alert)", () => {
  const raised: Array<NewAlert> = []
  let refuse = false
  const AlertRepoTest = Layer.succeed(AlertRepo, AlertRepo.make({
    raise: (alert) => refuse ? Effect.fail(new DatabaseUnavailable({ cause: "down" })) : Effect.sync(() => raised.push(alert)).pipe(Effect.as(raised.length)),
    listOpen: Effect.succeed([])
  }))
  const withAlerts = (env: Record<string, string> = {}) =>
    BreakerAlertsLive.pipe(Layer.provideMerge(ResilienceTest(env)), Layer.provide(AlertRepoTest))

  it.effect("one critical alert per outage, only after 60 s away from closed, half-open trials included", () =>
    Effect.gen(function* () {
      raised.length = 0
      refuse = false
      const breakers = yield* CircuitBreakers
      yield* tripRedis
      yield* TestClock.adjust("55 seconds")
      expect(raised).toEqual([])
      // A failed half-open trial at 30 s reopened it; the outage still counts from the first opening.
      yield* Effect.exit(breakers.protect("redis", fail(), countsAsFailure))
      yield* TestClock.adjust("10 seconds")
      expect(raised).toMatchObject([{ kind: "breaker_redis_open", severity: "critical", groupId: null, details: { breaker: "redis" } }])
      yield* TestClock.adjust("2 minutes")
      expect(raised).toHaveLength(1)
    }).pipe(Effect.provide(withAlerts())))

  it.effect("a breaker that closes within 60 s raises nothing", () =>
    Effect.gen(function* () {
      raised.length = 0
      refuse = false
      const breakers = yield* CircuitBreakers
      yield* tripRedis
      yield* TestClock.adjust("30 seconds")
      yield* breakers.protect("redis", Effect.void)
      yield* breakers.protect("redis", Effect.void)
      expect(yield* stateOf("redis")).toBe("closed")
      yield* TestClock.adjust("2 minutes")
      expect(raised).toEqual([])
    }).pipe(Effect.provide(withAlerts())))

  it.effect("an alert the database refused is raised on a later check", () =>
    Effect.gen(function* () {
      raised.length = 0
      refuse = true
      const breakers = yield* CircuitBreakers
      yield* Effect.exit(breakers.protect("postgres", fail()))
      yield* TestClock.adjust("65 seconds")
      expect(raised).toEqual([])
      refuse = false
      yield* TestClock.adjust("5 seconds")
      expect(raised).toMatchObject([{ kind: "breaker_postgres_open" }])
    }).pipe(Effect.provide(withAlerts({ BREAKER_POSTGRES_FAILURES: "1", BREAKER_POSTGRES_OPEN_SECONDS: "300" }))))
})
