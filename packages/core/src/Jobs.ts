import { JobQueue, type JobSelector, type RestrictionRepo } from "@nezuko/db"
import { Clock, DateTime, Duration, Effect, Option } from "effect"

/** BOT-8 and BOT-25's clean-up kinds; payload `{ chat_id, message_id }`. */
export const autoDeleteKind = "auto_delete"
/**
 * What a step interrupted by a shutdown may spend writing the job that finishes it later (OPS-8's grace is
 * 10 s for everything), so a database that is down cannot hold the shutdown up.
 */
export const persistOnInterruptBudget = Duration.seconds(2)
export const promptDeleteKind = "prompt_delete"

/** One queued clean-up per message: the dedupe key both scheduling and BOT-29's "still shown" check use. */
const deleteKey = (kind: string, chatId: number, messageId: number) => `${kind}:${chatId}:${messageId}`

export interface DeletePayload {
  readonly chat_id: number
  readonly message_id: number
}

/**
 * Enqueues durable jobs (OPS-16) from the bot and the panel alike; the bot's `jobs` role runs them. A job
 * survives restarts: it lives in `scheduled_jobs` until a runner completes it.
 */
export class Jobs extends Effect.Service<Jobs>()("@nezuko/core/Jobs", {
  effect: Effect.gen(function* () {
    const queue = yield* JobQueue

    /**
     * Runs `kind` with `payload` at `runAt` (at once if it is past). With `dedupeKey`, at most one queued or
     * running job holds the key: a second schedule is a no-op and returns None.
     */
    const schedule = Effect.fn("Jobs.schedule")(function* (
      kind: string,
      runAt: Date | DateTime.DateTime,
      payload: unknown,
      dedupeKey?: string
    ) {
      const due = runAt instanceof Date ? runAt.getTime() : DateTime.toEpochMillis(runAt)
      const delay = Duration.millis(Math.max(0, due - (yield* Clock.currentTimeMillis)))
      return yield* queue.enqueue({ kind, payload, delay, dedupeKey: dedupeKey ?? null })
    })

    /** `schedule` relative to now. */
    const scheduleIn = Effect.fn("Jobs.scheduleIn")(function* (
      kind: string,
      after: Duration.DurationInput,
      payload: unknown,
      dedupeKey?: string
    ) {
      return yield* queue.enqueue({ kind, payload, delay: after, dedupeKey: dedupeKey ?? null })
    })

    /** Cancels the job holding `dedupeKey`, or every queued/running job matching a selector; returns how many. */
    const cancel = Effect.fn("Jobs.cancel")(function* (target: string | JobSelector) {
      return yield* (typeof target === "string" ? queue.cancel(target) : queue.cancelWhere(target))
    })

    /**
     * BOT-8: deletes the messages after `after` (a command and the bot's replies), one `auto_delete` job per
     * message. Private chats (positive ids) are never cleaned up, and `after` = 0 means keep.
     */
    const scheduleAutoDelete = Effect.fn("Jobs.scheduleAutoDelete")(function* (
      chatId: number,
      messageIds: ReadonlyArray<number>,
      after: Duration.DurationInput,
      kind: typeof autoDeleteKind | typeof promptDeleteKind = autoDeleteKind
    ) {
      if (chatId > 0 || Duration.lessThanOrEqualTo(Duration.decode(after), Duration.zero)) return []
      return yield* Effect.forEach(messageIds, (messageId) => {
        const payload: DeletePayload = { chat_id: chatId, message_id: messageId }
        return queue.enqueue({ kind, payload, delay: after, dedupeKey: deleteKey(kind, chatId, messageId) })
      }).pipe(Effect.map((ids) => ids.flatMap(Option.toArray)))
    })

    /** BOT-29: whether a prompt is still up, i.e. its `prompt_delete` job (scheduleAutoDelete) has not run yet. */
    const promptShown = (chatId: number, messageId: number) => queue.isPending(deleteKey(promptDeleteKind, chatId, messageId))

    return { schedule, scheduleIn, cancel, scheduleAutoDelete, promptShown } as const
  }),
  dependencies: [JobQueue.Default]
}) {}

/** BOT-29: any prompt goes after prompt_ttl_seconds; failing to schedule that is logged, not the prompt's failure. */
export const schedulePromptDelete = (jobs: Jobs, prompt: { readonly groupId: number; readonly messageId: number; readonly ttlSeconds: number }) =>
  jobs.scheduleAutoDelete(prompt.groupId, [prompt.messageId], Duration.seconds(prompt.ttlSeconds), promptDeleteKind).pipe(
    Effect.catchAll((e) => Effect.logWarning(`could not schedule the prompt's deletion: ${e._tag}`))
  )

/**
 * BOT-29: a prompt that went out belongs to its record (verify and the timeout delete it, BOT-23 row 9 asks
 * whether it is still shown) and goes after prompt_ttl_seconds; sent at once or replayed from the outbox.
 */
export const notePromptShown = (
  restrictions: RestrictionRepo,
  jobs: Jobs,
  prompt: { readonly recordId: number; readonly groupId: number; readonly messageId: number; readonly ttlSeconds: number }
) => Effect.zipRight(restrictions.update(prompt.recordId, { promptMessageId: prompt.messageId }), schedulePromptDelete(jobs, prompt))
