import { describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Schedule, TestClock } from "effect"
import { expect } from "vitest"
import { retryAfterFailure } from "../src/TelegramRetry.js"

type Failure = { readonly _tag: "Transient" | "Permanent"; readonly attempt: number }

/** An attempt that fails with `script[n]` on its n-th run (then succeeds), noting when each run started. */
const scripted = (script: ReadonlyArray<Failure["_tag"]>) => {
  const startedAt: Array<number> = []
  const attempt = Effect.flatMap(Clock.currentTimeMillis, (now) => {
    const n = startedAt.push(now) - 1
    const tag = script[n]
    return tag === undefined ? Effect.succeed(n) : Effect.fail<Failure>({ _tag: tag, attempt: n })
  })
  return { attempt, startedAt }
}

// Growing delays and a recurrence cap, so a schedule step too many or too few shows in the times.
const options = {
  schedule: Schedule.exponential("100 millis").pipe(Schedule.intersect(Schedule.recurs(2))),
  while: (e: Failure) => e._tag === "Transient"
}

const runWith = (retry: (attempt: Effect.Effect<number, Failure>) => Effect.Effect<number, Failure>, script: ReadonlyArray<Failure["_tag"]>) =>
  Effect.gen(function* () {
    const { attempt, startedAt } = scripted(script)
    const t0 = yield* Clock.currentTimeMillis
    const fiber = yield* Effect.fork(Effect.exit(retry(attempt)))
    yield* TestClock.adjust("10 seconds")
    return { exit: yield* Fiber.join(fiber), startedAt: startedAt.map((t) => t - t0) }
  })

describe("retryAfterFailure", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<Failure["_tag"]>]> = [
    ["succeeds at once", []],
    ["succeeds on the second attempt", ["Transient"]],
    ["succeeds on the last attempt", ["Transient", "Transient"]],
    ["gives up after the schedule's recurrences", ["Transient", "Transient", "Transient", "Transient"]],
    ["stops at the first error `while` refuses", ["Permanent"]],
    ["stops at a refused error after a retried one", ["Transient", "Permanent"]]
  ]
  for (const [name, script] of cases) {
    it.effect(`${name}: the same attempts, times and outcome as Effect.retry`, () =>
      Effect.gen(function* () {
        const expected = yield* runWith((attempt) => Effect.retry(attempt, options), script)
        const actual = yield* runWith(retryAfterFailure(options), script)
        expect(actual.startedAt).toEqual(expected.startedAt)
        expect(actual.exit).toEqual(expected.exit)
      }))
  }

  it.effect("the times are the schedule's: 0, 100 and 300 ms", () =>
    Effect.gen(function* () {
      const { startedAt } = yield* runWith(retryAfterFailure(options), ["Transient", "Transient", "Transient"])
      expect(startedAt).toEqual([0, 100, 300])
    }))
})
