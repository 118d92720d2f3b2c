import { describe, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option, type Tracer } from "effect"
import { expect } from "vitest"
import { withLeanSpan } from "../src/LeanSpan.js"

describe("withLeanSpan", () => {
  // What the code inside sees as its span, and what its caller sees afterwards.
  const probe = <A, E>(inner: Effect.Effect<A, E>) =>
    Effect.gen(function* () {
      let seen: Tracer.Span | undefined
      const exit = yield* Effect.exit(Effect.tap(Effect.currentSpan, (s) => void (seen = s)).pipe(Effect.zipRight(inner), withLeanSpan("Lean.work", { kind: "probe" })))
      const after = yield* Effect.currentSpan
      return { exit, seen: seen!, after }
    }).pipe(Effect.withSpan("Outer"))

  it.effect("is the parent of what runs inside, a child of its caller's span, and ended with the exit", () =>
    Effect.gen(function* () {
      const { exit, seen, after } = yield* probe(Effect.succeed(7))
      expect(exit).toEqual(Exit.succeed(7))
      expect(seen.name).toBe("Lean.work")
      expect(seen.attributes.get("kind")).toBe("probe")
      expect(Option.map(seen.parent, (p) => p.spanId)).toEqual(Option.some(after.spanId))
      expect(after.name).toBe("Outer")
      expect(seen.status._tag === "Ended" && seen.status.exit).toEqual(Exit.succeed(7))
    }))

  it.effect("ends with a failure, and the caller's span is back", () =>
    Effect.gen(function* () {
      const { exit, seen, after } = yield* probe(Effect.fail("boom"))
      expect(exit).toEqual(Exit.fail("boom"))
      expect(seen.status._tag === "Ended" && seen.status.exit).toEqual(Exit.fail("boom"))
      expect(after.name).toBe("Outer")
    }))

  it.effect("ends when its fiber is interrupted", () =>
    Effect.gen(function* () {
      let seen: Tracer.Span | undefined
      const started = yield* Deferred.make<void>()
      const fiber = yield* Effect.fork(
        Effect.tap(Effect.currentSpan, (s) => void (seen = s)).pipe(Effect.zipRight(Deferred.succeed(started, undefined)), Effect.zipRight(Effect.never), withLeanSpan("Lean.hang"))
      )
      yield* Deferred.await(started)
      yield* Fiber.interrupt(fiber)
      expect(seen?.status._tag === "Ended" && Exit.isInterrupted(seen.status.exit)).toBe(true)
    }))
})
