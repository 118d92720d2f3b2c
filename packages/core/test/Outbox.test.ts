import { SqlClient } from "@effect/sql"
import { layer } from "@effect/vitest"
import { JobQueue } from "@nezuko/db"
import { apiError, PgliteTest, TelegramApiRecorder, TelegramApiTest } from "@nezuko/testing"
import { Effect, Layer, Option, TestClock } from "effect"
import { expect } from "vitest"
import { CircuitBreakers } from "../src/CircuitBreakers.js"
import { Outbox } from "../src/Outbox.js"

const mute = { chat_id: -1001, user_id: 42, permissions: { can_send_messages: false }, until_date: 2_000_000_000 }
const restrictCalls = Effect.flatMap(TelegramApiRecorder, (r) => r.callsOf("restrictChatMember"))
const tripTelegram = Effect.flatMap(CircuitBreakers, (b) =>
  Effect.forEach(Array.from({ length: 5 }), () => Effect.exit(b.protect("telegram", Effect.fail("5xx")))))

layer(JobQueue.Default.pipe(Layer.provideMerge(PgliteTest)), { timeout: "60 seconds" })("Outbox (LIM-13)", (it) => {
  it.effect("a mute rejected by the open telegram breaker is queued durably and replayed after it closes", () =>
    Effect.gen(function* () {
      const outbox = yield* Outbox
      yield* tripTelegram
      const outcome = yield* outbox.sendOrQueue("restrictChatMember", mute, { kind: "mute", dedupeKey: "mute:-1001:42" })
      expect(outcome._tag).toBe("Queued")
      expect(yield* restrictCalls).toEqual([])
      // A second mute of the same user while it waits is not queued twice.
      const again = yield* outbox.sendOrQueue("restrictChatMember", mute, { kind: "mute", dedupeKey: "mute:-1001:42" })
      expect(again).toEqual({ _tag: "Queued", jobId: Option.none() })

      // Still open: replay puts the job back untouched.
      expect(yield* outbox.replay()).toMatchObject({ sent: 0, requeued: 1 })
      // The job was put back 30 s (database time) ahead; make it due now.
      const sql = yield* SqlClient.SqlClient
      yield* sql`UPDATE scheduled_jobs SET run_at = now() WHERE kind = 'telegram_call' AND state = 'queued'`

      yield* TestClock.adjust("60 seconds")
      expect(yield* outbox.replay()).toMatchObject({ sent: 1, dead: 0 })
      expect((yield* restrictCalls).map((c) => c.payload)).toEqual([mute])
      expect(yield* outbox.replay()).toMatchObject({ sent: 0 })
    }).pipe(Effect.provide(Outbox.Default.pipe(Layer.provideMerge(TelegramApiTest())))))

  it.effect("with the breaker closed the call is simply sent; a permanent error on replay makes the job dead", () =>
    Effect.gen(function* () {
      const outbox = yield* Outbox
      expect((yield* outbox.sendOrQueue("restrictChatMember", mute))._tag).toBe("Sent")
      yield* tripTelegram
      yield* outbox.sendOrQueue("deleteMessage", { chat_id: -1001, message_id: 5 }, { kind: "delete" })
      yield* TestClock.adjust("60 seconds")
      expect(yield* outbox.replay()).toMatchObject({ sent: 0, dead: 1 })
    }).pipe(Effect.provide(Outbox.Default.pipe(Layer.provideMerge(TelegramApiTest({
      deleteMessage: () => apiError(400, "Bad Request: message can't be deleted for everyone")
    }))))))
})
