import { SqlClient, SqlSchema } from "@effect/sql"
import { AlertRepo, dbCall, RestrictionRepo } from "@nezuko/db"
import { type ChatId, Restriction } from "@nezuko/domain"
import { Clock, Duration, Effect, Option, Schema } from "effect"
import { Jobs, persistOnInterruptBudget } from "./Jobs.js"
import type { Priority } from "./RateLimiter.js"
import { Protection } from "./Protection.js"
import type { TelegramError } from "./TelegramApi.js"

/** OPS-16's kinds: the hourly reconciler (LIM-8) and the retries of a restore that failed transiently. */
export const reconcileKind = "reconcile"
export const unmuteRetryKind = "unmute_retry"
export const unmuteRetryDedupeKey = (restrictionId: number, attempt: number) => `${unmuteRetryKind}:${restrictionId}:${attempt}`

export const UnmuteRetryPayload = Schema.Struct({
  restriction_id: Schema.Number.pipe(Schema.int()),
  group_id: Schema.Number.pipe(Schema.int()),
  user_id: Schema.Number.pipe(Schema.int()),
  /** 1 for the first retry. */
  attempt: Schema.Number.pipe(Schema.int(), Schema.positive()),
  /** When the first restore failed (epoch ms): retries stop 48 h later. */
  first_failed_at: Schema.Number
})
export type UnmuteRetryPayload = typeof UnmuteRetryPayload.Type

/** 30 s, 2 min, 10 min, 1 h, then every 6 h for up to 48 h after the first failure; then a "stuck user" alert. */
export const unmuteRetryDelays: ReadonlyArray<Duration.Duration> = [Duration.seconds(30), Duration.minutes(2), Duration.minutes(10), Duration.hours(1)]
export const unmuteRetryEvery = Duration.hours(6)
export const unmuteRetryFor = Duration.hours(48)

/** Failures worth retrying: Telegram or the network having a bad moment, the breaker open, the limiter full. */
export const isTransient = (e: TelegramError) =>
  e._tag === "TelegramTransient" || e._tag === "CircuitOpen" || e._tag === "RateLimitDropped" || e._tag === "TelegramRateLimited"

/** The delay before retry `attempt` (1-based), or None once 48 h since the first failure would be passed. */
export const unmuteRetryDelay = (attempt: number, firstFailedAt: number, now: number): Option.Option<Duration.Duration> => {
  const delay = unmuteRetryDelays[attempt - 1] ?? unmuteRetryEvery
  return now + Duration.toMillis(delay) - firstFailedAt > Duration.toMillis(unmuteRetryFor) ? Option.none() : Option.some(delay)
}

/**
 * OPS-16: nobody stays muted by mistake. `restore` is the release paths' restore (Verification.release,
 * AdminReleases, release_all): a transient failure schedules `unmute_retry` jobs along the ladder; when the
 * ladder is used up the user is reported with a `stuck_user` alert.
 */
export class UnmuteRetries extends Effect.Service<UnmuteRetries>()("@nezuko/core/UnmuteRetries", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const protection = yield* Protection
    const jobs = yield* Jobs
    const alerts = yield* AlertRepo
    const restrictions = yield* RestrictionRepo

    const findRecord = SqlSchema.findOne({ Request: Schema.Number, Result: Restriction, execute: (id) => sql`SELECT * FROM restrictions WHERE id = ${id}` })

    const schedule = (record: Restriction, attempt: number, firstFailedAt: number) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const delay = unmuteRetryDelay(attempt, firstFailedAt, now)
        if (Option.isNone(delay)) {
          yield* alerts.raise({
            kind: "stuck_user", severity: "warning", groupId: Number(record.groupId), channelId: null,
            message: `User ${record.userId} could not be unmuted in group ${record.groupId} for 48 h; lift the restriction by hand.`,
            details: { restriction_id: record.id, user_id: record.userId, attempts: attempt - 1 }
          })
          yield* Effect.logError(`user ${record.userId} is stuck muted in ${record.groupId}`).pipe(Effect.annotateLogs("event", "unmute.stuck"))
          return "stuck" as const
        }
        const payload: UnmuteRetryPayload = { restriction_id: record.id, group_id: Number(record.groupId), user_id: Number(record.userId), attempt, first_failed_at: firstFailedAt }
        yield* jobs.scheduleIn(unmuteRetryKind, delay.value, payload, unmuteRetryDedupeKey(record.id, attempt))
        return "scheduled" as const
      })

    /**
     * Restores; a transient failure schedules the first retry, anything else is logged (the user left, …). The
     * record is already closed, so a shutdown that interrupts the restore (queued behind the limiter, or in
     * flight) leaves the first retry too: nothing else would ever lift that mute (LIM-8).
     */
    const restore = (record: Restriction, priority: Priority) =>
      protection.restore(record, priority).pipe(
        Effect.onInterrupt(() =>
          Clock.currentTimeMillis.pipe(Effect.flatMap((now) => schedule(record, 1, now)), Effect.timeout(persistOnInterruptBudget), Effect.ignore)),
        Effect.asVoid,
        Effect.catchAll((e) =>
          Effect.gen(function* () {
            yield* Effect.logWarning(`restore failed: ${e._tag}`).pipe(Effect.annotateLogs({ chat_id: String(record.groupId), user_id: String(record.userId) }))
            if (isTransient(e)) yield* schedule(record, 1, yield* Clock.currentTimeMillis)
          })),
        Effect.catchAll((e) => Effect.logWarning(`could not schedule the unmute retry: ${e._tag}`))
      )

    /**
     * One `unmute_retry` job. A user pending again — this record, or a newer one (muted anew, say on a channel
     * leave, while the retry waited) — is left alone: restoring would unmute them under an open record.
     */
    const retry = Effect.fn("UnmuteRetries.retry")(function* (payload: UnmuteRetryPayload) {
      const found = yield* dbCall(findRecord(payload.restriction_id))
      if (Option.isNone(found)) return { outcome: "gone" }
      const record = found.value
      if (record.state === "pending" || Option.isSome(yield* restrictions.findPending(record.groupId, record.userId))) return { outcome: "pending_again" }
      const restored = yield* Effect.either(protection.restore(record, 2))
      if (restored._tag === "Right") return { outcome: "restored", attempt: payload.attempt }
      if (!isTransient(restored.left)) return { outcome: "gave_up", error: restored.left._tag, attempt: payload.attempt }
      return { outcome: yield* schedule(record, payload.attempt + 1, payload.first_failed_at), error: restored.left._tag, attempt: payload.attempt }
    })

    return { restore, retry } as const
  })
}) {}

/**
 * LIM-8: the hourly reconciler. Pending records of groups that are off or that the bot was removed from are
 * closed and restored; pending records whose mute has run out (`restricted_until` past) are marked `expired`.
 */
export class Reconciler extends Effect.Service<Reconciler>()("@nezuko/core/Reconciler", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const restrictions = yield* RestrictionRepo
    const unmute = yield* UnmuteRetries

    const run = Effect.fn("Reconciler.run")(function* () {
      const now = yield* Clock.currentTimeMillis
      const idle = yield* dbCall(sql<{ readonly groupId: ChatId; readonly removed: boolean }>`
        SELECT DISTINCT r.group_id, g.health = 'removed' AS removed FROM restrictions r JOIN groups g ON g.chat_id = r.group_id
        WHERE r.state = 'pending' AND (NOT g.enabled OR g.health = 'removed')`)
      let released = 0
      for (const g of idle) {
        for (const record of yield* restrictions.pendingInGroup(g.groupId)) {
          if (!(yield* restrictions.close(record.id, "released", "reconcile"))) continue
          released++
          if (!g.removed) yield* unmute.restore(record, 2)
        }
      }
      const expired = yield* dbCall(sql<{ readonly id: number }>`
        UPDATE restrictions SET state = 'expired', resolved_at = now(), resolved_by = 'reconcile', updated_at = now()
        WHERE state = 'pending' AND owner = 'bot' AND restricted_until IS NOT NULL AND restricted_until < to_timestamp(${now / 1000})
        RETURNING id`)
      if (released + expired.length > 0) yield* Effect.logInfo(`reconciled: ${released} released, ${expired.length} expired`)
      return { released, expired: expired.length }
    })

    return { run } as const
  })
}) {}
