import { JobQueue, RestrictionRepo, retryDelay } from "@nezuko/db"
import { ChatId, UserId } from "@nezuko/domain"
import { Clock, Duration, Effect, Option, Schema } from "effect"
import { AppConfig } from "./AppConfig.js"
import { Jobs, notePromptShown } from "./Jobs.js"
import { type CallOptions, TelegramApi } from "./TelegramApi.js"

/** OPS-16's job kind for calls the open `telegram` breaker turned away, or that could not wait. */
export const outboxKind = "outbox_send"

/** A queued prompt's record: replayed only while it is still open, and its message id stored once sent. */
const PromptOf = Schema.Struct({
  restriction_id: Schema.Number,
  group_id: Schema.Number,
  user_id: Schema.Number,
  ttl_seconds: Schema.Number
})
export type PromptOf = typeof PromptOf.Type

const Entry = Schema.Struct({
  method: Schema.String,
  payload: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  priority: Schema.Literal(0, 1, 2),
  kind: Schema.Literal("mute", "restore", "delete", "send", "callback", "membership", "joinRequest", "ban", "other"),
  queuedAt: Schema.Number,
  /** Replaying later than this after queuing is pointless; the entry is dropped and logged (LIM-13). */
  staleAfterMs: Schema.Number,
  prompt: Schema.optional(PromptOf)
})

/** A job the breaker turned away again goes back for this long; replay runs only when the breaker may admit. */
const requeueAfter = "5 seconds"
/** LIM-6's job ladder for calls that failed again on replay. */
const ladder = ["30 seconds", "2 minutes", "10 minutes", "1 hour"] as const
/** LIM-13: Telegram refuses deletes of messages older than 48 h. */
const staleDelete = Duration.hours(48)
/** Anything else the bot queues is kept this long. */
const staleOther = Duration.hours(24)

export interface QueueOptions extends CallOptions {
  /**
   * At most one queued job per key (one per message, one prompt per record), due at the earliest time asked
   * for: queuing again for sooner brings the queued one forward.
   */
  readonly dedupeKey?: string
  /** Replay no sooner than this (default: at once). */
  readonly delay?: Duration.DurationInput
  /** Measured from when the job is due. */
  readonly staleAfter?: Duration.DurationInput
  readonly prompt?: PromptOf
}

/**
 * LIM-13: while the `telegram` breaker is open, the bot's P1 moderation calls — deleting the offending message,
 * the prompt — become durable `outbox_send` jobs instead of being lost, replayed in order once it lets calls
 * through again (`OutboxReplay` in the bot's jobs role). A prompt the restrict flow could not send in time
 * (a full group window, a shutdown) comes here too. A replayed prompt is sent only while its record is
 * still open, gets its message id stored and its `prompt_delete` job, as one sent at once does. Mutes do not
 * come here: restrict_retry's ladder (BOT-28) retries them and stores `restricted_until`.
 */
export class Outbox extends Effect.Service<Outbox>()("@nezuko/core/Outbox", {
  effect: Effect.gen(function* () {
    const queue = yield* JobQueue
    const telegram = yield* TelegramApi
    const config = yield* AppConfig
    const restrictions = yield* RestrictionRepo
    const jobs = yield* Jobs

    /** Stores a call for replay; None when `dedupeKey` already holds a queued one (brought forward if need be). */
    const enqueue = Effect.fn("Outbox.enqueue")(function* (
      method: string,
      payload: Readonly<Record<string, unknown>>,
      options: QueueOptions = {}
    ) {
      const delay = options.delay ?? Duration.zero
      const entry: typeof Entry.Type = {
        method,
        payload,
        priority: options.priority ?? 1,
        kind: options.kind ?? "other",
        queuedAt: yield* Clock.currentTimeMillis,
        staleAfterMs: Duration.toMillis(delay) + Duration.toMillis(options.staleAfter ?? (method === "deleteMessage" ? staleDelete : staleOther)),
        ...(options.prompt === undefined ? {} : { prompt: options.prompt })
      }
      const dedupeKey = options.dedupeKey ?? null
      const jobId = yield* queue.enqueue({ kind: outboxKind, payload: entry, delay, dedupeKey })
      if (Option.isNone(jobId) && dedupeKey !== null) yield* queue.advance(dedupeKey, delay)
      yield* Effect.logInfo(`${method} queued in the outbox`).pipe(Effect.annotateLogs({ event: "outbox.queued", method }))
      return jobId
    })

    /** Still open and still without a prompt: a later message may have prompted directly once Telegram was back. */
    const stillWanted = (p: PromptOf) =>
      restrictions.findPending(ChatId.make(p.group_id), UserId.make(p.user_id)).pipe(
        Effect.map((r) => Option.isSome(r) && r.value.id === p.restriction_id && r.value.promptMessageId === null)
      )

    const promptSent = (p: PromptOf, result: unknown) =>
      Effect.gen(function* () {
        const messageId = (result as { readonly message_id?: unknown } | null)?.message_id
        if (typeof messageId !== "number") return
        yield* notePromptShown(restrictions, jobs, { recordId: p.restriction_id, groupId: p.group_id, messageId, ttlSeconds: p.ttl_seconds })
      }).pipe(Effect.catchAll((e) => Effect.logWarning(`a replayed prompt's bookkeeping failed: ${e._tag}`)))

    /** Replays due outbox jobs oldest first; stops (and puts the rest back) if the breaker is still open. */
    const replay = Effect.fn("Outbox.replay")(function* (limit = 50) {
      const claimed = yield* queue.claim(config.instanceId, [outboxKind], { limit })
      const counts = { sent: 0, requeued: 0, retrying: 0, dead: 0, stale: 0, settled: 0 }
      let open = false
      for (const job of claimed) {
        const decoded = Schema.decodeUnknownOption(Entry)(job.payload)
        if (Option.isNone(decoded)) {
          counts.dead++
          yield* queue.fail(job.id, "unreadable outbox entry", Option.none())
          continue
        }
        const entry = decoded.value
        if (open) {
          counts.requeued++
          yield* queue.postpone(job.id, requeueAfter)
          continue
        }
        if ((yield* Clock.currentTimeMillis) - entry.queuedAt > entry.staleAfterMs) {
          counts.stale++
          yield* queue.complete(job.id, { dropped: "stale" })
          yield* Effect.logInfo(`outbox: stale ${entry.method} dropped`).pipe(Effect.annotateLogs({ event: "outbox.stale", method: entry.method }))
          continue
        }
        // The user verified, was released or left while the call waited, or was prompted since: nothing to say.
        if (entry.prompt !== undefined && !(yield* stillWanted(entry.prompt))) {
          counts.settled++
          yield* queue.complete(job.id, { dropped: "settled" })
          continue
        }
        const result = yield* Effect.either(telegram.callUntyped(entry.method, entry.payload, { priority: entry.priority, kind: entry.kind }))
        if (result._tag === "Right") {
          counts.sent++
          yield* queue.complete(job.id)
          if (entry.prompt !== undefined) yield* promptSent(entry.prompt, result.right)
          continue
        }
        const error = result.left
        switch (error._tag) {
          case "CircuitOpen":
            open = true
            counts.requeued++
            yield* queue.postpone(job.id, requeueAfter)
            break
          case "TelegramMessageGone":
            counts.settled++
            yield* queue.complete(job.id, { dropped: "gone" })
            break
          case "TelegramTransient":
          case "TelegramRateLimited":
          case "RateLimitDropped":
            counts.retrying++
            yield* queue.fail(job.id, error.message, Option.some(retryDelay(job.attempts, ladder)))
            break
          default:
            counts.dead++
            yield* queue.fail(job.id, error.message, Option.none())
        }
      }
      return counts
    })

    return { enqueue, replay } as const
  })
}) {}
