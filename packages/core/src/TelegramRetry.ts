import { Duration, Effect, Schedule } from "effect"
import type { TelegramRateLimited, TelegramTransient } from "./TelegramErrors.js"

/** LIM-6 rows: each operation kind has its own transient retries and longest acceptable 429 wait. */
export type OperationKind = "mute" | "restore" | "delete" | "send" | "callback" | "membership" | "joinRequest" | "ban" | "other"

const backoff = (base: Duration.DurationInput, cap: Duration.DurationInput, retries: number) =>
  Schedule.exponential(base).pipe(
    Schedule.union(Schedule.spaced(cap)),
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(retries))
  )

/** Mute and restore: 3 attempts in total, 1 s then 2 s (±25 %). */
export const moderationRetry = Schedule.exponential("1 second").pipe(
  Schedule.jitteredWith({ min: 0.75, max: 1.25 }),
  Schedule.intersect(Schedule.recurs(2))
)
/** Sends, join requests, bans: 3 attempts, capped exponential back-off with jitter. */
export const standardRetry = backoff("500 millis", "5 seconds", 2)
/** deleteMessage: 2 attempts. */
export const deleteRetry = backoff("500 millis", "5 seconds", 1)
/** getChatMember: 2 attempts, 200 ms apart (a decision is waiting). */
export const membershipRetry = Schedule.spaced("200 millis").pipe(Schedule.intersect(Schedule.recurs(1)))
/** answerCallbackQuery: 1 attempt, the query expires anyway. */
export const noRetry = Schedule.recurs(0)

export const transientRetry: Record<OperationKind, Schedule.Schedule<unknown>> = {
  mute: moderationRetry,
  restore: moderationRetry,
  delete: deleteRetry,
  send: standardRetry,
  callback: noRetry,
  membership: membershipRetry,
  joinRequest: standardRetry,
  ban: standardRetry,
  other: standardRetry
}

/** The longest retry_after worth waiting for; beyond it the 429 is returned at once (LIM-6). */
export const maxRateLimitWait: Record<OperationKind, Duration.Duration> = {
  mute: Duration.infinity,
  restore: Duration.infinity,
  delete: Duration.infinity,
  send: Duration.infinity,
  callback: Duration.seconds(5),
  membership: Duration.seconds(5),
  joinRequest: Duration.infinity,
  ban: Duration.infinity,
  other: Duration.infinity
}

/** LIM-5: wait exactly retry_after plus up to 10 % jitter, at most `retries` times. */
export const rateLimitRetry = (retries: number) =>
  Schedule.identity<{ readonly _tag: string }>().pipe(
    Schedule.addDelay((e) => (isRateLimited(e) ? e.retryAfter : Duration.zero)),
    Schedule.jitteredWith({ min: 1, max: 1.1 }),
    Schedule.intersect(Schedule.recurs(retries))
  )

const isRateLimited = (e: { readonly _tag: string }): e is TelegramRateLimited => e._tag === "TelegramRateLimited"
const isTransient = (e: { readonly _tag: string }): e is TelegramTransient => e._tag === "TelegramTransient"

/**
 * Applies LIM-6 to one attempt (which re-acquires the limiter each time): transient errors retried per kind,
 * 429 waited out per LIM-5, every other error returned at once — permanent 4xx are never retried.
 */
export const withTelegramRetries = (kind: OperationKind, rateLimitRetries: number) =>
<A, E extends { readonly _tag: string }, R>(attempt: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  attempt.pipe(
    Effect.retry({ schedule: transientRetry[kind], while: isTransient }),
    Effect.retry({
      schedule: rateLimitRetry(rateLimitRetries),
      while: (e) => isRateLimited(e) && Duration.lessThanOrEqualTo(e.retryAfter, maxRateLimitWait[kind])
    })
  )
