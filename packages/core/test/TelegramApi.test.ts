import { describe, it } from "@effect/vitest"
import { apiError, networkError, ok, TelegramApiRecorder, TelegramApiTest, tooManyRequests } from "@nezuko/testing"
import { Chunk, Duration, Effect, Exit, Fiber, Metric, Queue, TestClock } from "effect"
import { expect } from "vitest"
import { TelegramApi, telegramCallDuration, telegramCalls } from "../src/TelegramApi.js"

const member = { status: "member", user: { id: 42, is_bot: false, first_name: "U" } }
const restrict = { chat_id: -100, user_id: 42, permissions: { can_send_messages: false } }
const count = (method: string) => Effect.flatMap(TelegramApiRecorder, (r) => Effect.map(r.callsOf(method), (c) => c.length))
const failureTag = <A, E extends { _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.match(exit, { onSuccess: () => "success", onFailure: (cause) => (cause._tag === "Fail" ? cause.error._tag : cause._tag) })

/** Steps the TestClock 10 ms at a time and notes when each call of `method` was made (ms from the start). */
const callTimes = (method: string, totalMs: number) =>
  Effect.gen(function* () {
    const times: Array<number> = []
    for (let t = 0; t <= totalMs; t += 10) {
      const n = yield* count(method)
      while (times.length < n) times.push(t)
      yield* TestClock.adjust("10 millis")
    }
    return times
  })

describe("TelegramApi", () => {
  it.effect("returns the Bot API result", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const result = yield* telegram.getChatMember({ chat_id: -1001, user_id: 42 })
      expect(result.status).toBe("member")
      expect(yield* count("getChatMember")).toBe(1)
    }).pipe(Effect.provide(TelegramApiTest({ getChatMember: () => ok(member) }))))

  it.effect("a permanent 4xx is never retried and keeps its class", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const exit = yield* Effect.exit(telegram.restrictChatMember(restrict))
      expect(failureTag(exit)).toBe("TelegramMissingRights")
      expect(yield* count("restrictChatMember")).toBe(1)
    }).pipe(Effect.provide(TelegramApiTest({
      restrictChatMember: () => apiError(400, "Bad Request: not enough rights to restrict/unrestrict chat member")
    }))))

  it.effect("a mute retries 5xx three times in total, after 1 s and 2 s (±25 %)", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const fiber = yield* Effect.fork(telegram.restrictChatMember(restrict))
      const times = yield* callTimes("restrictChatMember", 5_000)
      expect(times).toHaveLength(3)
      const [first = 0, second = 0, third = 0] = times
      expect(second - first).toBeGreaterThanOrEqual(750)
      expect(second - first).toBeLessThanOrEqual(1250)
      expect(third - second).toBeGreaterThanOrEqual(1500)
      expect(third - second).toBeLessThanOrEqual(2500)
      expect(yield* Fiber.join(fiber)).toBe(true)
    }).pipe(Effect.provide(TelegramApiTest({
      restrictChatMember: (_, n) => (n < 3 ? apiError(502, "Bad Gateway") : ok(true))
    }))))

  it.effect("gives up after the last transient attempt with TelegramTransient", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const fiber = yield* Effect.fork(Effect.exit(telegram.sendMessage({ chat_id: -100, text: "hi" })))
      yield* TestClock.adjust("1 minute")
      expect(failureTag(yield* Fiber.join(fiber))).toBe("TelegramTransient")
      expect(yield* count("sendMessage")).toBe(3)
    }).pipe(Effect.provide(TelegramApiTest({ sendMessage: () => networkError("ECONNRESET") }))))

  it.effect("answerCallbackQuery is tried once", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const exit = yield* Effect.exit(telegram.answerCallbackQuery({ callback_query_id: "q" }))
      expect(failureTag(exit)).toBe("TelegramTransient")
      expect(yield* count("answerCallbackQuery")).toBe(1)
    }).pipe(Effect.provide(TelegramApiTest({ answerCallbackQuery: () => apiError(500, "Internal Server Error") }))))

  it.effect("a 429 waits exactly retry_after (plus at most 10 %) and pauses the whole budget", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const mute = yield* Effect.fork(telegram.restrictChatMember(restrict))
      yield* TestClock.adjust("1 millis")
      const other = yield* Effect.fork(telegram.banChatMember({ chat_id: -200, user_id: 7 }))
      yield* TestClock.adjust("2990 millis")
      expect(yield* count("restrictChatMember")).toBe(1)
      expect(yield* count("banChatMember")).toBe(0)
      yield* TestClock.adjust("310 millis")
      expect(yield* count("restrictChatMember")).toBe(2)
      expect(yield* count("banChatMember")).toBe(1)
      expect(yield* Fiber.join(mute)).toBe(true)
      expect(yield* Fiber.join(other)).toBe(true)
    }).pipe(Effect.provide(TelegramApiTest({
      restrictChatMember: (_, n) => (n === 1 ? tooManyRequests(3) : ok(true))
    }))))

  it.effect("after RATE_LIMIT_RETRIES 429s the call fails with TelegramRateLimited", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const fiber = yield* Effect.fork(Effect.exit(telegram.deleteMessage({ chat_id: -100, message_id: 5 })))
      yield* TestClock.adjust("10 seconds")
      expect(failureTag(yield* Fiber.join(fiber))).toBe("TelegramRateLimited")
      expect(yield* count("deleteMessage")).toBe(3)
    }).pipe(Effect.provide(TelegramApiTest({ deleteMessage: () => tooManyRequests(1) }, { RATE_LIMIT_RETRIES: "2" }))))

  it.effect("getChatMember does not wait for a retry_after above 5 s", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const exit = yield* Effect.exit(telegram.getChatMember({ chat_id: -1001, user_id: 42 }))
      expect(failureTag(exit)).toBe("TelegramRateLimited")
      expect(yield* count("getChatMember")).toBe(1)
    }).pipe(Effect.provide(TelegramApiTest({ getChatMember: () => tooManyRequests(30) }))))

  it.effect("a call that does not answer times out after 10 s; getChatMember tries twice, 200 ms apart", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const fiber = yield* Effect.fork(Effect.exit(telegram.getChatMember({ chat_id: -1001, user_id: 42 })))
      yield* TestClock.adjust("9999 millis")
      expect(yield* count("getChatMember")).toBe(1)
      yield* TestClock.adjust("1 millis")
      yield* TestClock.adjust("199 millis")
      expect(yield* count("getChatMember")).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(yield* count("getChatMember")).toBe(2)
      yield* TestClock.adjust("10 seconds")
      const exit = yield* Fiber.join(fiber)
      expect(failureTag(exit)).toBe("TelegramTransient")
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag === "TelegramTransient" && exit.cause.error.kind).toBe("timeout")
    }).pipe(Effect.provide(TelegramApiTest({ getChatMember: () => "hang" }))))

  it.effect("a getUpdates long poll is bounded by its timeout + 5 s (LIM-7: 35 s for 30 s), not by the 10 s of other calls", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const fiber = yield* Effect.fork(Effect.exit(telegram.call("getUpdates", { timeout: 30, limit: 100 })))
      // Still the first request at 34.999 s: nothing cut it off at 10 s, nothing retried it.
      yield* TestClock.adjust("34999 millis")
      expect(yield* count("getUpdates")).toBe(1)
      yield* TestClock.adjust("1 millis")
      yield* TestClock.adjust("5 minutes")
      const exit = yield* Fiber.join(fiber)
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag === "TelegramTransient" && exit.cause.error.kind).toBe("timeout")
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error.message).toContain("35 s")
    }).pipe(Effect.provide(TelegramApiTest({ getUpdates: () => "hang" }))))

  it.effect("getUpdates without a long poll (timeout 0, the shutdown confirmation) keeps the 10 s bound", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const fiber = yield* Effect.fork(Effect.exit(telegram.call("getUpdates", { offset: 5, limit: 1, timeout: 0 })))
      yield* TestClock.adjust("9999 millis")
      expect(yield* count("getUpdates")).toBe(1)
      yield* TestClock.adjust("1 millis")
      yield* TestClock.adjust("1 minute")
      const exit = yield* Fiber.join(fiber)
      expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error.message).toContain("10 s")
    }).pipe(Effect.provide(TelegramApiTest({ getUpdates: () => "hang" }))))

  it.effect("\"message is not modified\" is success for edits", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      expect(yield* telegram.editMessageText({ chat_id: -100, message_id: 1, text: "same" })).toBe(true)
    }).pipe(Effect.provide(TelegramApiTest({
      editMessageText: () => apiError(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same")
    }))))

  const migrated = () => apiError(400, "Bad Request: group chat was upgraded to a supergroup chat", { migrate_to_chat_id: -1009 })
  const fromOldGroup = (payload: unknown) => (payload as { chat_id: number }).chat_id === -100

  it.scoped("BOT-50: a call to a migrated group goes once more to its new id, without the quote, and followers hear of it", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const recorder = yield* TelegramApiRecorder
      const heard = yield* telegram.subscribeMigrations
      const sent = yield* telegram.sendMessage({ chat_id: -100, text: "x", reply_parameters: { message_id: 7 } })
      expect(sent.chat.id).toBe(-1009)
      expect((yield* recorder.callsOf("sendMessage")).map((c) => c.payload)).toEqual([
        { chat_id: -100, text: "x", reply_parameters: { message_id: 7 } },
        { chat_id: -1009, text: "x" }
      ])
      expect(yield* Queue.takeAll(heard)).toEqual(Chunk.of({ from: -100, to: -1009 }))
    }).pipe(Effect.provide(TelegramApiTest({
      sendMessage: (payload) => fromOldGroup(payload) ? migrated() : ok({ message_id: 1, date: 0, chat: { id: -1009, type: "supergroup" }, text: "x" })
    }))))

  it.effect("BOT-50: a call naming the old group's messages is not moved: the error carries the new id", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const error = yield* Effect.flip(telegram.deleteMessage({ chat_id: -100, message_id: 3 }))
      expect(error._tag === "TelegramChatMigrated" && error.newChatId).toBe(-1009)
      expect(yield* count("deleteMessage")).toBe(1)
    }).pipe(Effect.provide(TelegramApiTest({ deleteMessage: migrated }))))

  it.effect("five transient failures open the telegram breaker; 4xx never do", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const recorder = yield* TelegramApiRecorder
      for (let i = 0; i < 10; i++) yield* Effect.exit(telegram.getChat({ chat_id: -1 }))
      expect(yield* count("getChat")).toBe(10)
      for (let i = 0; i < 5; i++) yield* Effect.exit(telegram.answerCallbackQuery({ callback_query_id: String(i) }))
      const error = yield* Effect.flip(telegram.answerCallbackQuery({ callback_query_id: "6" }))
      expect(error._tag).toBe("CircuitOpen")
      expect(yield* count("answerCallbackQuery")).toBe(5)
      yield* TestClock.adjust(Duration.seconds(60))
      yield* recorder.respond("answerCallbackQuery", () => ok(true))
      expect(yield* telegram.answerCallbackQuery({ callback_query_id: "7" })).toBe(true)
    }).pipe(Effect.provide(TelegramApiTest({
      getChat: () => apiError(400, "Bad Request: chat not found"),
      answerCallbackQuery: () => apiError(503, "Service Unavailable")
    }))))

  it.effect("every request is counted by method and outcome and timed by method", () =>
    Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const calls = (outcome: string) => Effect.map(Metric.value(telegramCalls.pipe(Metric.tagged("method", "getChatMemberCount"), Metric.tagged("outcome", outcome))), (s) => s.count)
      const timed = Effect.map(Metric.value(telegramCallDuration.pipe(Metric.tagged("method", "getChatMemberCount"))), (s) => s.count)
      const before = [yield* calls("ok"), yield* calls("client_error"), yield* timed]
      expect(yield* telegram.getChatMemberCount({ chat_id: -1 })).toBe(7)
      expect(failureTag(yield* Effect.exit(telegram.getChatMemberCount({ chat_id: -1 })))).toBe("TelegramChatUnavailable")
      const after = [yield* calls("ok"), yield* calls("client_error"), yield* timed]
      expect(after.map((n, i) => n - (before[i] ?? 0))).toEqual([1, 1, 2])
    }).pipe(Effect.provide(TelegramApiTest({ getChatMemberCount: (_, n) => (n === 1 ? ok(7) : apiError(400, "Bad Request: chat not found")) }))))
})
