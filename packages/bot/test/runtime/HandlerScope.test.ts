import { describe, it } from "@effect/vitest"
import { Cause, Context, Effect, Fiber, FiberId, Layer, Option } from "effect"
import { Composer } from "grammy"
import { expect } from "vitest"
import { BotRuntime } from "../../src/runtime/BotRuntime.js"
import type { Feature } from "../../src/runtime/Feature.js"
import { runtimeLayer } from "./harness.js"

const message = (updateId: number, userId: number) => ({
  update_id: updateId,
  message: { message_id: 1, date: 0, chat: { id: -100, type: "supergroup" }, from: { id: userId, is_bot: false, first_name: "U" }, text: "hi" }
})

describe("a handler's fiber (BOT-3 correlation)", () => {
  it.live("carries its own update's log annotations and has the update's span as parent, with updates in flight together", () =>
    Effect.scoped(Effect.gen(function* () {
      const seen: Array<{ annotations: Record<string, unknown>; parent: string | undefined; updateAttr: unknown }> = []
      const feature: Feature<never> = (run) => {
        const composer = new Composer()
        composer.on("message", async (ctx) => {
          await run(ctx, Effect.gen(function* () {
            yield* Effect.sleep("20 millis") // both updates are in flight at once
            const annotations = Object.fromEntries(yield* Effect.logAnnotations)
            const parent = yield* Effect.option(Effect.currentParentSpan)
            seen.push({
              annotations,
              parent: Option.match(parent, { onNone: () => undefined, onSome: (s) => (s._tag === "Span" ? s.name : "external") }),
              updateAttr: Option.match(parent, { onNone: () => undefined, onSome: (s) => (s._tag === "Span" ? s.attributes.get("update_id") : undefined) })
            })
          }))
        })
        return composer
      }
      const { processUpdate } = Context.get(yield* Layer.build(runtimeLayer([feature])), BotRuntime)
      yield* Effect.all([processUpdate(message(7, 70)), processUpdate(message(8, 80))], { concurrency: "unbounded" })
      expect(seen.map((s) => s.annotations.correlation_id).sort()).toEqual(["upd-7", "upd-8"])
      for (const s of seen) {
        expect(s.annotations.user_id).toBe(s.annotations.correlation_id === "upd-7" ? "70" : "80")
        expect(s.annotations.chat_id).toBe("-100")
        expect(s.parent).toBe("Bot.processUpdate")
        expect(`upd-${String(s.updateAttr)}`).toBe(s.annotations.correlation_id)
      }
    })))

  it.live("runs on the one fiber handling the update, in the order the handlers ran, and resolves each handler with its value", () =>
    Effect.scoped(Effect.gen(function* () {
      const order: Array<string> = []
      const fibers: Array<FiberId.FiberId> = []
      const feature = (name: string): Feature<never> => (run) => {
        const composer = new Composer()
        composer.on("message", async (ctx, next) => {
          const value = await run(ctx, Effect.map(Effect.fiberId, (id) => {
            fibers.push(id)
            return name
          }))
          order.push(value)
          await next()
        })
        return composer
      }
      const { processUpdate } = Context.get(yield* Layer.build(runtimeLayer([feature("first"), feature("second")])), BotRuntime)
      expect(yield* processUpdate(message(9, 90))).toBe("handled")
      expect(order).toEqual(["first", "second"])
      // A fiber per handler would give two ids.
      expect(fibers).toHaveLength(2)
      expect(FiberId.threadName(fibers[0] ?? FiberId.none)).toBe(FiberId.threadName(fibers[1] ?? FiberId.none))
    })))

  it.live("leaves its caller's fiber as it was: no update annotations, span or services stay behind", () =>
    Effect.scoped(Effect.gen(function* () {
      const feature: Feature<never> = (run) => {
        const composer = new Composer()
        composer.on("message", async (ctx) => {
          await run(ctx, Effect.void)
        })
        return composer
      }
      const { processUpdate } = Context.get(yield* Layer.build(runtimeLayer([feature])), BotRuntime)
      const before = yield* Effect.context<never>()
      const outcome = yield* processUpdate(message(11, 110)).pipe(Effect.annotateLogs("caller", "yes"))
      expect(outcome).toBe("handled")
      expect(Object.fromEntries(yield* Effect.logAnnotations)).toEqual({})
      expect(Option.isNone(yield* Effect.option(Effect.currentParentSpan))).toBe(true)
      expect((yield* Effect.context<never>()).unsafeMap.size).toBe(before.unsafeMap.size)
    })))

  it.live("a handler whose update is interrupted (shutdown) is rejected with the interruption, not left waiting", () =>
    Effect.scoped(Effect.gen(function* () {
      const settled: Array<string> = []
      const feature: Feature<never> = (run) => {
        const composer = new Composer()
        composer.on("message", async (ctx) => {
          await run(ctx, Effect.never).then(
            () => settled.push("resolved"),
            (error: unknown) => settled.push(Cause.isInterruptedException(error) ? "interrupted" : `rejected: ${String(error)}`)
          )
        })
        return composer
      }
      const { processUpdate } = Context.get(yield* Layer.build(runtimeLayer([feature])), BotRuntime)
      const fiber = yield* Effect.fork(processUpdate(message(10, 100)))
      yield* Effect.sleep("50 millis")
      yield* Fiber.interrupt(fiber)
      yield* Effect.sleep("10 millis")
      expect(settled).toEqual(["interrupted"])
    })))
})
