import { describe, it } from "@effect/vitest"
import { KeyValueStore } from "@nezuko/core"
import { DatabaseUnavailable } from "@nezuko/domain"
import { Context, Effect, Fiber, Layer, Option } from "effect"
import { Composer } from "grammy"
import { expect } from "vitest"
import { BotRuntime, dedupeKey } from "../../src/runtime/BotRuntime.js"
import { type Feature, logHandlerFailure } from "../../src/runtime/Feature.js"
import { runtimeLayer } from "./harness.js"

const update = { update_id: 41, message: { message_id: 1, date: 0, chat: { id: -100, type: "supergroup" }, from: { id: 7, is_bot: false, first_name: "U" }, text: "hi" } }

/** A message handler whose database is down for its first `outages` runs; it ends like every feature does. */
const flaky = (outages: number, failure: () => unknown = () => new DatabaseUnavailable({ cause: "connection refused" })) => {
  let runs = 0
  const feature: Feature<never> = (run) => {
    const composer = new Composer()
    composer.on("message", async (ctx) => {
      await run(ctx, Effect.suspend(() => (++runs <= outages ? Effect.fail(failure()) : Effect.void)).pipe(Effect.catchAllCause(logHandlerFailure("message handling failed"))))
    })
    return composer
  }
  return { feature, runs: () => runs }
}

describe("processUpdate during a database outage (LIM-13)", () => {
  // Live: the handler runs through grammY's promises. Without a SqlClient the wait is one second per attempt.
  it.live("waits for the database and handles the update again instead of acknowledging it undone", () =>
    Effect.scoped(Effect.gen(function* () {
      const handler = flaky(2)
      const context = yield* Layer.build(runtimeLayer([handler.feature]))
      const { processUpdate } = Context.get(context, BotRuntime)
      const store = Context.get(context, KeyValueStore)
      const fiber = yield* Effect.fork(processUpdate(update))
      yield* Effect.sleep("500 millis")
      // Still waiting: not done, so not marked as handled (a redelivery would run it).
      expect(fiber.unsafePoll()).toBeNull()
      expect(handler.runs()).toBe(1)
      expect(yield* store.get(dedupeKey(41))).toEqual(Option.none())
      expect(yield* Fiber.join(fiber)).toBe("handled")
      expect(handler.runs()).toBe(3)
      expect(yield* store.get(dedupeKey(41))).toEqual(Option.some("1"))
    })), 10_000)

  it.scoped("any other failure is logged and acknowledged at once", () =>
    Effect.gen(function* () {
      const handler = flaky(1, () => new Error("a bug"))
      const context = yield* Layer.build(runtimeLayer([handler.feature]))
      const { processUpdate } = Context.get(context, BotRuntime)
      expect(yield* processUpdate(update)).toBe("handled")
      expect(handler.runs()).toBe(1)
    }))
})
