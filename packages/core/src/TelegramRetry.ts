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
 * `Effect.retry` that starts its schedule only once the first attempt has failed. `Effect.retry` sets up its
 * driver (a Ref, the schedule's state, the iteration metadata service provided around every attempt) before
 * running anything, while nearly every Bot API call succeeds at once: with this (and TelegramApi's metrics in
 * one step) a deleteMessage went from 223 to 148 Effect operations in the bot benchmark's counted pass
 * (`BENCH_BOT_OPS_BY_SPAN=1 pnpm bench bot`, its span's operations per decision ÷ 0.2 deletes per decision). The retried effect replays that first failure before running the attempt
 * again, so the schedule sees exactly what `Effect.retry(attempt, options)` would have shown it.
 */
export const retryAfterFailure = <E, B>(options: { readonly schedule: Schedule.Schedule<B, E>; readonly while: (e: E) => boolean }) =>
<A, R>(attempt: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.catchAll(attempt, (first) => {
    if (!options.while(first)) return Effect.fail(first)
    let replayed = false
    const again = Effect.suspend(() => {
      if (replayed) return attempt
      replayed = true
      return Effect.fail(first)
    })
    return Effect.retry(again, options)
  })

/**
 * Applies LIM-6 to one attempt (which re-acquires the limiter each time): transient errors retried per kind,
 * 429 waited out per LIM-5, every other error returned at once — permanent 4xx are never retried.
 */
export const withTelegramRetries = (kind: OperationKind, rateLimitRetries: number) =>
<A, E extends { readonly _tag: string }, R>(attempt: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  attempt.pipe(
    retryAfterFailure<E, unknown>({ schedule: transientRetry[kind], while: isTransient }),
    retryAfterFailure({
      schedule: rateLimitRetry(rateLimitRetries),
      while: (e: E) => isRateLimited(e) && Duration.lessThanOrEqualTo(e.retryAfter, maxRateLimitWait[kind])
    })
  )
