import { describe, it } from "@effect/vitest"
import { KeyValueStore, makeMemoryStore, RedisError } from "@nezuko/core"
import { Context, Effect, Layer, Option } from "effect"
import { expect } from "vitest"
import { BotRuntime, dedupeKey } from "../../src/runtime/BotRuntime.js"
import { runtimeLayer, textRecorder } from "./harness.js"

const message = (updateId: number) => ({
  update_id: updateId,
  message: { message_id: updateId, date: 0, chat: { id: -100, type: "supergroup" }, from: { id: updateId, is_bot: false, first_name: "U" }, text: `m${updateId}` }
})

/** The memory store, counting lookups and writes; `getMany` fails when told to. */
const countingStore = (options: { readonly getManyFails: boolean }) => {
  const calls = { get: 0, getMany: 0, set: 0, setMany: 0 }
  const inner = makeMemoryStore(1000)
  const layer = Layer.succeed(KeyValueStore, {
    ...inner,
    get: (key) => Effect.suspend(() => (calls.get++, inner.get(key))),
    set: (key, value, ttl) => Effect.suspend(() => (calls.set++, inner.set(key, value, ttl))),
    setMany: (entries, ttl) => Effect.suspend(() => (calls.setMany++, inner.setMany(entries, ttl))),
    getMany: (keys) =>
      Effect.suspend(() => (calls.getMany++, options.getManyFails ? Effect.fail(new RedisError({ cause: "down" })) : inner.getMany(keys)))
  })
  return { calls, layer }
}

const setup = (options: { readonly getManyFails: boolean }) => {
  const { handled, feature } = textRecorder()
  const store = countingStore(options)
  return { handled, calls: store.calls, layer: runtimeLayer([feature], store.layer) }
}

describe("a polled batch's de-duplication (BOT-3)", () => {
  it.live("one MGET for the batch; an update handled before is still skipped, the others run without a GET each", () =>
    Effect.scoped(Effect.gen(function* () {
      const t = setup({ getManyFails: false })
      const context = yield* Layer.build(t.layer)
      const { batchProcessor } = Context.get(context, BotRuntime)
      const store = Context.get(context, KeyValueStore)
      yield* store.set(dedupeKey(2), "1", "1 hour")
      const batch = [message(1), message(2), message(3)]
      const first = yield* batchProcessor(batch)
      const outcomes = yield* Effect.forEach(batch, first.process)
      expect(outcomes).toEqual(["handled", "duplicate", "handled"])
      expect(t.handled).toEqual(["m1", "m3"])
      // The duplicate was confirmed by its own GET; the new ones needed none.
      expect(t.calls).toEqual({ get: 1, getMany: 1, set: 1, setMany: 0 })
      // A crash now (before the poller's flush and markHandled) redelivers the whole batch: nothing is marked yet.
      expect(yield* store.getMany([dedupeKey(1), dedupeKey(3)])).toEqual([Option.none(), Option.none()])
      yield* first.markHandled
      expect(yield* store.getMany([dedupeKey(1), dedupeKey(3)])).toEqual([Option.some("1"), Option.some("1")])
      // The batch's MGET, then the test's own two reads above; the seeded mark was the one SET.
      expect(t.calls).toEqual({ get: 1, getMany: 3, set: 1, setMany: 1 })
      // The same batch again (a redelivery after a crash before the offset was confirmed): all skipped.
      const again = yield* batchProcessor(batch)
      expect(yield* Effect.forEach(batch, again.process)).toEqual(["duplicate", "duplicate", "duplicate"])
      expect(t.handled).toEqual(["m1", "m3"])
    })))

  it.live("an id twice in one batch is handled once: the MGET's answer is used once", () =>
    Effect.scoped(Effect.gen(function* () {
      const t = setup({ getManyFails: false })
      const context = yield* Layer.build(t.layer)
      const { batchProcessor } = Context.get(context, BotRuntime)
      const batch = [message(5), message(5)]
      const { markHandled, process } = yield* batchProcessor(batch)
      expect(yield* Effect.forEach(batch, process)).toEqual(["handled", "duplicate"])
      expect(t.handled).toEqual(["m5"])
      yield* markHandled
      expect(t.calls).toEqual({ get: 0, getMany: 1, set: 0, setMany: 1 })
    })))

  it.live("if the MGET fails, every update is looked up on its own", () =>
    Effect.scoped(Effect.gen(function* () {
      const t = setup({ getManyFails: true })
      const context = yield* Layer.build(t.layer)
      const { batchProcessor } = Context.get(context, BotRuntime)
      const batch = [message(1), message(2)]
      const outcomes = yield* Effect.forEach(batch, (yield* batchProcessor(batch)).process)
      expect(outcomes).toEqual(["handled", "handled"])
      expect(t.calls).toEqual({ get: 2, getMany: 1, set: 0, setMany: 0 })
    })))
})
