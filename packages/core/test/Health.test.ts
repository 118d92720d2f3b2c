import { it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { expect } from "vitest"
import { untilBuilt } from "../src/Boot.js"
import { Health, timedProbe } from "../src/Health.js"

const TestHealth = Health.Default.pipe(
  Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["INSTANCE_ID", "test-1"]]))))
)

it.live("ready and healthy when probes pass; degraded when only a non-critical probe fails", () =>
  Effect.gen(function* () {
    const health = yield* Health
    yield* health.addProbe("database", timedProbe(Effect.void), { critical: true })
    yield* health.addProbe("redis", timedProbe(Effect.fail(new Error("ECONNREFUSED"))), { critical: false })
    const report = yield* health.report
    expect(report).toMatchObject({ status: "degraded", ready: true, instance: "test-1", checks: { redis: { status: "down", error: "ECONNREFUSED" } } })
  }).pipe(Effect.provide(TestHealth)))

it.live("not ready while a component starts, when a critical probe fails, and once shutdown begins", () =>
  Effect.gen(function* () {
    const health = yield* Health
    yield* health.addProbe("database", timedProbe(Effect.void), { critical: true })
    yield* health.starting("migrations")
    expect(yield* health.report).toMatchObject({ status: "unhealthy", ready: false, pending: ["migrations"] })
    yield* health.ready("migrations")
    expect((yield* health.report).ready).toBe(true)
    yield* health.addProbe("database", timedProbe(Effect.fail("connection refused")), { critical: true })
    expect(yield* health.report).toMatchObject({ ready: false, checks: { database: { status: "down" } } })
    yield* health.addProbe("database", timedProbe(Effect.void), { critical: true })
    yield* health.beginShutdown
    expect((yield* health.report).ready).toBe(false)
  }).pipe(Effect.provide(TestHealth)))

it.live("a probe that hangs is cut at 1 s and reported down", () =>
  Effect.gen(function* () {
    const result = yield* timedProbe(Effect.never)
    expect(result).toMatchObject({ status: "down", error: "timed out after 1 s" })
  }))

it.live("untilBuilt: not ready from before a process's first layer is built until its last one is", () =>
  Effect.gen(function* () {
    const health = yield* Health
    const seen: Array<boolean> = []
    const see = Effect.flatMap(health.report, (r) => Effect.sync(() => seen.push(r.ready)))
    // A process whose health server comes up at once, and whose slower layers register nothing for a while.
    const main = Layer.mergeAll(Layer.effectDiscard(see), Layer.effectDiscard(Effect.zipRight(Effect.sleep("50 millis"), see)))
    yield* Effect.scoped(Layer.build(untilBuilt(main)))
    expect(seen).toEqual([false, false])
    expect((yield* health.report).ready).toBe(true)
  }).pipe(Effect.provide(TestHealth)))
