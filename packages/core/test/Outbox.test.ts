import { SqlClient } from "@effect/sql"
import { layer } from "@effect/vitest"
import { GroupRepo, JobQueue, RestrictionRepo } from "@nezuko/db"
import { ChannelId, ChatId, UserId } from "@nezuko/domain"
import { apiError, PgliteTest, TelegramApiRecorder, TelegramApiTest } from "@nezuko/testing"
import { Effect, Layer, Option, TestClock } from "effect"
import { expect } from "vitest"
import { CircuitBreakers } from "../src/CircuitBreakers.js"
import { Jobs } from "../src/Jobs.js"
import { Outbox } from "../src/Outbox.js"

const group = ChatId.make(-1001)
const del = (messageId: number) => ({ chat_id: group, message_id: messageId })
const callsOf = (method: string) => Effect.flatMap(TelegramApiRecorder, (r) => r.callsOf(method))
const tripTelegram = Effect.flatMap(CircuitBreakers, (b) =>
  Effect.forEach(Array.from({ length: 5 }), () => Effect.exit(b.protect("telegram", Effect.fail("5xx")))))
/** `postpone` and `fail` count in database time, which TestClock does not move. */
const makeDue = Effect.flatMap(SqlClient.SqlClient, (sql) => sql`UPDATE scheduled_jobs SET run_at = now() WHERE kind = 'outbox_send' AND state = 'queued'`)
const afterOpenTime = Effect.zipRight(TestClock.adjust("61 seconds"), makeDue)

const pendingRecord = (userId: number) =>
  Effect.gen(function* () {
    yield* (yield* GroupRepo).upsert({ chatId: group, type: "supergroup", title: "G", username: null, linkedChatId: null })
    const repo = yield* RestrictionRepo
    return Option.getOrThrow(yield* repo.insertPending({
      groupId: group, userId: UserId.make(userId), trigger: "message", owner: "bot", missingChannelIds: [ChannelId.make(-100777)],
      priorMember: { status: "member" }, deadlineAt: null
    }))
  })

const promptOf = (restrictionId: number, userId: number) => ({ restriction_id: restrictionId, group_id: group, user_id: userId, ttl_seconds: 300 })

const outboxLayer = (handlers: Parameters<typeof TelegramApiTest>[0] = {}) =>
  Outbox.Default.pipe(Layer.provideMerge(Layer.mergeAll(TelegramApiTest(handlers), Jobs.Default, RestrictionRepo.Default, GroupRepo.Default)))

layer(JobQueue.Default.pipe(Layer.provideMerge(PgliteTest)), { timeout: "60 seconds" })("Outbox (LIM-13)", (it) => {
  it.effect("a delete turned away by the open breaker is kept once and replayed in order after the open time", () =>
    Effect.gen(function* () {
      const outbox = yield* Outbox
      yield* tripTelegram
      expect(Option.isSome(yield* outbox.enqueue("deleteMessage", del(5), { kind: "delete", dedupeKey: "delete:-1001:5" }))).toBe(true)
      // The same message again while it waits is not queued twice.
      expect(yield* outbox.enqueue("deleteMessage", del(5), { kind: "delete", dedupeKey: "delete:-1001:5" })).toEqual(Option.none())
      yield* outbox.enqueue("deleteMessage", del(6), { kind: "delete" })

      // Still open: the jobs are put back untouched and nothing reaches Telegram.
      expect(yield* outbox.replay()).toMatchObject({ sent: 0, requeued: 2 })
      expect(yield* callsOf("deleteMessage")).toEqual([])

      yield* afterOpenTime
      expect(yield* outbox.replay()).toMatchObject({ sent: 2, dead: 0 })
      expect((yield* callsOf("deleteMessage")).map((c) => c.payload)).toEqual([del(5), del(6)])
      expect(yield* outbox.replay()).toMatchObject({ sent: 0 })
    }).pipe(Effect.provide(outboxLayer())))

  it.effect("replay: a delete older than 48 h is dropped as stale, a message already gone is settled, a permanent error is dead", () =>
    Effect.gen(function* () {
      const outbox = yield* Outbox
      yield* outbox.enqueue("deleteMessage", del(7), { kind: "delete" })
      yield* TestClock.adjust("49 hours")
      yield* makeDue
      expect(yield* outbox.replay()).toMatchObject({ stale: 1, sent: 0 })
      expect(yield* callsOf("deleteMessage")).toEqual([])

      yield* outbox.enqueue("deleteMessage", del(8), { kind: "delete" })
      yield* outbox.enqueue("deleteMessage", del(9), { kind: "delete" })
      yield* makeDue
      expect(yield* outbox.replay()).toMatchObject({ settled: 1, dead: 1 })
    }).pipe(Effect.provide(outboxLayer({
      deleteMessage: (p) => p.message_id === 8
        ? apiError(400, "Bad Request: message to delete not found")
        : apiError(403, "Forbidden: bot was kicked from the supergroup chat")
    }))))

  it.effect("a queued prompt is sent only while its record is open and unprompted, gets its message id stored and its prompt_delete job", () =>
    Effect.gen(function* () {
      const outbox = yield* Outbox
      const repo = yield* RestrictionRepo
      const open = yield* pendingRecord(601)
      const closed = yield* pendingRecord(602)
      const stale = yield* pendingRecord(603)
      const prompted = yield* pendingRecord(604)
      const prompt = (userId: number) => ({ chat_id: group, text: `prompt for ${userId}` })
      yield* outbox.enqueue("sendMessage", prompt(603), { kind: "send", staleAfter: "300 seconds", prompt: promptOf(stale.id, 603) })
      yield* TestClock.adjust("301 seconds")
      yield* outbox.enqueue("sendMessage", prompt(601), { kind: "send", staleAfter: "300 seconds", prompt: promptOf(open.id, 601) })
      yield* outbox.enqueue("sendMessage", prompt(602), { kind: "send", staleAfter: "300 seconds", prompt: promptOf(closed.id, 602) })
      yield* outbox.enqueue("sendMessage", prompt(604), { kind: "send", staleAfter: "300 seconds", prompt: promptOf(prompted.id, 604) })
      yield* repo.close(closed.id, "verified", "rejoin")
      // Their next message, once Telegram was back, prompted them directly: the queued prompt would be a second.
      yield* repo.update(prompted.id, { promptMessageId: 4711 })
      yield* makeDue

      expect(yield* outbox.replay()).toMatchObject({ sent: 1, settled: 2, stale: 1 })
      const sent = yield* callsOf("sendMessage")
      expect(sent.map((c) => c.payload.text)).toEqual(["prompt for 601"])
      const record = Option.getOrThrow(yield* repo.findPending(group, UserId.make(601)))
      expect(record.promptMessageId).toEqual(expect.any(Number))
      expect(yield* (yield* JobQueue).isPending(`prompt_delete:${group}:${record.promptMessageId}`)).toBe(true)
    }).pipe(Effect.provide(outboxLayer())))
})
