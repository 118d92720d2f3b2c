import { it } from "@effect/vitest"
import { ChannelId, UserId } from "@nezuko/domain"
import { apiError, ok, TelegramApiRecorder, TelegramApiTest } from "@nezuko/testing"
import { Duration, Effect, Layer, Option, TestClock } from "effect"
import { expect } from "vitest"
import { type CacheEvent, CacheEvents } from "../src/CacheEvents.js"
import { KeyValueStore } from "../src/KeyValueStore.js"
import { Membership } from "../src/Membership.js"

const C1 = ChannelId.make(-1001)
const C2 = ChannelId.make(-1002)
const U = UserId.make(7)
const member = (status: string, extra: Record<string, unknown> = {}) => ok({ status, user: { id: 7, is_bot: false, first_name: "U" }, ...extra })

const setup = (handler: (payload: Record<string, unknown>, n: number) => ReturnType<typeof ok>) =>
  Membership.Default.pipe(
    Layer.provideMerge(TelegramApiTest({ getChatMember: handler })),
    Layer.provideMerge(Layer.merge(KeyValueStore.layerMemory(), CacheEvents.local))
  )

it.effect("CACHE-2: who counts as a member; restricted counts only with is_member", () =>
  Effect.gen(function* () {
    const cases: Array<[ReturnType<typeof ok>, string]> = [
      [member("creator"), "member"], [member("administrator"), "member"], [member("member"), "member"],
      [member("restricted", { is_member: true }), "member"], [member("restricted", { is_member: false }), "not_member"],
      [member("left"), "not_member"], [member("kicked", { until_date: 0 }), "not_member"],
      [apiError(400, "Bad Request: user not found"), "not_member"], [apiError(400, "Bad Request: PARTICIPANT_ID_INVALID"), "not_member"],
      [apiError(400, "Bad Request: chat not found"), "unknown"], [apiError(403, "Forbidden: bot is not a member of the channel chat"), "unknown"],
      [apiError(502, "Bad Gateway"), "unknown"]
    ]
    for (const [reply, expected] of cases) {
      const result = yield* Effect.flatMap(Membership, (m) => m.check(C1, U)).pipe(Effect.provide(setup(() => reply)), Effect.fork)
      yield* TestClock.adjust("10 seconds")
      const check = yield* result.await
      expect(check._tag === "Success" && check.value.result).toBe(expected)
    }
  }))

it.effect("a second check within the TTL is served from the cache; unknown is never cached", () =>
  Effect.gen(function* () {
    const membership = yield* Membership
    const recorder = yield* TelegramApiRecorder
    expect((yield* membership.check(C1, U)).cached).toBe(false)
    expect(yield* membership.check(C1, U)).toEqual({ channelId: C1, result: "member", cached: true })
    expect((yield* recorder.callsOf("getChatMember")).length).toBe(1)
    yield* TestClock.adjust("12 minutes")
    expect((yield* membership.check(C1, U)).cached).toBe(false)
    expect((yield* membership.check(C1, U, { bypassCache: true })).cached).toBe(false)
    expect((yield* recorder.callsOf("getChatMember")).length).toBe(3)
  }).pipe(Effect.provide(setup(() => member("member")))))

it.effect("CACHE-3: an answer read from the shared store is kept here no longer than its TTL there", () =>
  Effect.gen(function* () {
    const membership = yield* Membership
    const store = yield* KeyValueStore
    const recorder = yield* TelegramApiRecorder
    // Another replica's negative answer, written 55 s ago: 5 s of its TTL are left.
    yield* store.set(`verify:${C1}:${U}`, "0", Duration.seconds(5))
    expect(yield* membership.check(C1, U)).toEqual({ channelId: C1, result: "not_member", cached: true })
    yield* TestClock.adjust("6 seconds")
    expect(yield* membership.check(C1, U)).toEqual({ channelId: C1, result: "member", cached: false })
    expect((yield* recorder.callsOf("getChatMember")).length).toBe(1)
  }).pipe(Effect.provide(setup(() => member("member")))))

it.effect("checkAllHere: every channel from this process's copy, or undefined when one is missing or expired", () =>
  Effect.gen(function* () {
    const membership = yield* Membership
    const recorder = yield* TelegramApiRecorder
    const here = Effect.flatMap(TestClock.currentTimeMillis, (now) => Effect.succeed(membership.checkAllHere([C1, C2], U, now)))
    expect(yield* here).toBeUndefined()
    yield* membership.check(C1, U)
    expect(yield* here).toBeUndefined()
    yield* membership.check(C2, U)
    const answer = yield* here
    expect(answer === undefined ? undefined : yield* answer).toEqual([
      { channelId: C1, result: "member", cached: true },
      { channelId: C2, result: "not_member", cached: true }
    ])
    expect(yield* membership.checkAll([C1, C2], U)).toEqual(answer === undefined ? undefined : yield* answer)
    expect((yield* recorder.callsOf("getChatMember")).length).toBe(2)
    yield* TestClock.adjust("12 minutes")
    expect(yield* here).toBeUndefined()
  }).pipe(Effect.provide(setup((payload) => (payload.chat_id === C1 ? member("member") : member("left"))))))

it.effect("positive and negative TTLs carry ±15 % jitter (CACHE-3)", () =>
  Effect.gen(function* () {
    const membership = yield* Membership
    const store = yield* KeyValueStore
    const ttls: Array<number> = []
    for (let u = 1; u <= 40; u++) {
      yield* membership.remember(C1, UserId.make(u), u % 2 === 0)
      const ttl = Option.getOrThrow(yield* store.ttl(`verify:${C1}:${u}`))
      ttls.push(Duration.toSeconds(ttl))
    }
    const positive = ttls.filter((_, i) => (i + 1) % 2 === 0)
    const negative = ttls.filter((_, i) => (i + 1) % 2 === 1)
    expect(Math.min(...positive)).toBeGreaterThanOrEqual(510)
    expect(Math.max(...positive)).toBeLessThanOrEqual(690)
    expect(Math.min(...negative)).toBeGreaterThanOrEqual(51)
    expect(Math.max(...negative)).toBeLessThanOrEqual(69)
    expect(new Set(positive).size).toBeGreaterThan(1)
  }).pipe(Effect.provide(setup(() => member("member")))))

it.effect("concurrent checks of the same (channel, user) make one call; channels run in parallel (CACHE-4)", () =>
  Effect.gen(function* () {
    const membership = yield* Membership
    const recorder = yield* TelegramApiRecorder
    const results = yield* Effect.all(Array.from({ length: 10 }, () => membership.checkAll([C1, C2], U)), { concurrency: "unbounded" })
    expect(results.every((r) => r.map((c) => c.result).join() === "member,member")).toBe(true)
    const calls = yield* recorder.callsOf("getChatMember")
    expect(calls.map((c) => c.payload.chat_id).sort()).toEqual([C2, C1].sort())
  }).pipe(Effect.provide(setup(() => member("member")))))

/** CacheEvents between "replicas" in one test: what this one published, and a way to deliver another's. */
const eventsProbe = () => {
  const published: Array<CacheEvent> = []
  const handlers: Array<(e: CacheEvent) => void> = []
  const layer = Layer.succeed(CacheEvents, {
    publish: (e) => Effect.sync(() => void published.push(e)),
    subscribe: (h) => Effect.sync(() => void handlers.push(h))
  })
  return { layer, published, deliver: (e: CacheEvent) => handlers.forEach((h) => h(e)) }
}

it.effect("the per-process copy: own changes count at once and are published; another replica's arrive by nz:inv", () => {
  const events = eventsProbe()
  return Effect.gen(function* () {
    const membership = yield* Membership
    const store = yield* KeyValueStore
    yield* membership.remember(C1, U, true)
    expect(events.published).toEqual([{ kind: "verify", channelId: C1, userId: U }])
    // Another replica saw U leave the channel (BOT-40): the shared entry changes, this copy does not…
    yield* store.set(`verify:${C1}:${U}`, "0", Duration.seconds(60))
    expect((yield* membership.check(C1, U)).result).toBe("member")
    // …until its event arrives.
    events.deliver({ kind: "verify", channelId: C1, userId: U })
    expect(yield* membership.check(C1, U)).toEqual({ channelId: C1, result: "not_member", cached: true })
    // A copy read from Redis lives at most 60 s (no event while Redis is down).
    yield* store.set(`verify:${C1}:${U}`, "1", Duration.seconds(600))
    expect((yield* membership.check(C1, U)).result).toBe("not_member")
    yield* TestClock.adjust("61 seconds")
    expect((yield* membership.check(C1, U)).result).toBe("member")
    // A reconnect drops every copy; forget drops this one and tells the others.
    yield* store.set(`verify:${C1}:${U}`, "0", Duration.seconds(600))
    events.deliver({ kind: "all" })
    expect((yield* membership.check(C1, U)).result).toBe("not_member")
    yield* membership.forget([C1], U)
    expect(events.published.at(-1)).toEqual({ kind: "verify", channelId: C1, userId: U })
    expect((yield* membership.check(C1, U)).cached).toBe(false)
  }).pipe(Effect.provide(Membership.Default.pipe(
    Layer.provideMerge(TelegramApiTest({ getChatMember: () => member("member") })),
    Layer.provideMerge(Layer.merge(KeyValueStore.layerMemory(), events.layer))
  )))
})
