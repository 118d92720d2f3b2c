import { JobQueue, retryDelay } from "@nezuko/db"
import { Clock, Duration, Effect, Option, Schema } from "effect"
import { AppConfig } from "./AppConfig.js"
import { type CallOptions, TelegramApi } from "./TelegramApi.js"

export const outboxKind = "telegram_call"

const Entry = Schema.Struct({
  method: Schema.String,
  payload: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  priority: Schema.Literal(0, 1, 2),
  kind: Schema.Literal("mute", "restore", "delete", "send", "callback", "membership", "joinRequest", "ban", "other"),
  queuedAt: Schema.Number
})

/** LIM-6's job ladder for calls that failed again on replay. */
const ladder = ["30 seconds", "2 minutes", "10 minutes", "1 hour"] as const
/** LIM-13: a delete older than this is pointless (Telegram refuses deletes of messages older than 48 h). */
const staleDelete = Duration.hours(48)

export type SendOutcome =
  | { readonly _tag: "Sent"; readonly result: unknown }
  | { readonly _tag: "Queued"; readonly jobId: Option.Option<number> }

/**
 * LIM-13: while the `telegram` breaker is open, P1 moderation calls (mute, delete, prompt) become durable
 * `telegram_call` jobs instead of failing, and are replayed in order once it closes. The job runner loop that
 * calls `replay` belongs to the bot's jobs role.
 */
export class Outbox extends Effect.Service<Outbox>()("@nezuko/core/Outbox", {
  effect: Effect.gen(function* () {
    const jobs = yield* JobQueue
    const telegram = yield* TelegramApi
    const config = yield* AppConfig

    /** Sends now, or (breaker open) stores the call; `dedupeKey` keeps one pending job per subject. */
    const sendOrQueue = Effect.fn("Outbox.sendOrQueue")(function* (
      method: string,
      payload: Readonly<Record<string, unknown>>,
      options: CallOptions & { readonly dedupeKey?: string } = {}
    ) {
      return yield* telegram.callUntyped(method, payload, options).pipe(
        Effect.map((result): SendOutcome => ({ _tag: "Sent", result })),
        Effect.catchTag("CircuitOpen", () =>
          Effect.gen(function* () {
            const entry: typeof Entry.Type = {
              method,
              payload,
              priority: options.priority ?? 1,
              kind: options.kind ?? "other",
              queuedAt: yield* Clock.currentTimeMillis
            }
            const jobId = yield* jobs.enqueue({ kind: outboxKind, payload: entry, dedupeKey: options.dedupeKey ?? null })
            yield* Effect.logInfo(`telegram breaker open: ${method} queued in the outbox`).pipe(Effect.annotateLogs({ event: "outbox.queued", method }))
            return { _tag: "Queued", jobId } satisfies SendOutcome
          }))
      )
    })

    /** Replays due outbox jobs oldest first; stops (and puts the rest back) if the breaker is still open. */
    const replay = Effect.fn("Outbox.replay")(function* (limit = 50) {
      const claimed = yield* jobs.claim(config.instanceId, [outboxKind], { limit })
      const counts = { sent: 0, requeued: 0, retrying: 0, dead: 0, stale: 0 }
      let open = false
      for (const job of claimed) {
        const decoded = Schema.decodeUnknownOption(Entry)(job.payload)
        if (Option.isNone(decoded)) {
          counts.dead++
          yield* jobs.fail(job.id, "unreadable outbox entry", Option.none())
          continue
        }
        const entry = decoded.value
        const now = yield* Clock.currentTimeMillis
        if (open) {
          counts.requeued++
          yield* jobs.postpone(job.id, "30 seconds")
          continue
        }
        if (entry.method.startsWith("deleteMessage") && now - entry.queuedAt > Duration.toMillis(staleDelete)) {
          counts.stale++
          yield* jobs.complete(job.id, { dropped: "stale" })
          continue
        }
        const result = yield* Effect.either(telegram.callUntyped(entry.method, entry.payload, { priority: entry.priority, kind: entry.kind }))
        if (result._tag === "Right") {
          counts.sent++
          yield* jobs.complete(job.id)
          continue
        }
        const error = result.left
        switch (error._tag) {
          case "CircuitOpen":
            open = true
            counts.requeued++
            yield* jobs.postpone(job.id, "30 seconds")
            break
          case "TelegramTransient":
          case "TelegramRateLimited":
          case "RateLimitDropped":
            counts.retrying++
            yield* jobs.fail(job.id, error.message, Option.some(retryDelay(job.attempts, ladder)))
            break
          default:
            counts.dead++
            yield* jobs.fail(job.id, error.message, Option.none())
        }
      }
      return counts
    })

    return { sendOrQueue, replay } as const
  })
}) {}
