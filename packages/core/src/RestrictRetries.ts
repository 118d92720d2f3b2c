import { AlertRepo, RestrictionRepo } from "@nezuko/db"
import { ChatId, UserId } from "@nezuko/domain"
import { Duration, Effect, Option, Schema } from "effect"
import { GroupDirectory } from "./GroupDirectory.js"
import { Jobs } from "./Jobs.js"
import { Protection } from "./Protection.js"
import { isTransient } from "./Reconcile.js"

/** BOT-28's `restrict_retry` kind (LIM-6 table): a mute that failed transiently is tried again. */
export const restrictRetryKind = "restrict_retry"
export const RestrictRetryPayload = Schema.Struct({
  restriction_id: Schema.Number.pipe(Schema.int()),
  group_id: ChatId,
  user_id: UserId,
  /** 1 for the first retry. */
  attempt: Schema.Number.pipe(Schema.int(), Schema.positive())
})
export type RestrictRetryPayload = typeof RestrictRetryPayload.Type

/** 30 s, 2 min, 10 min, 1 h; after the last one an alert. */
export const restrictRetryDelays: ReadonlyArray<Duration.Duration> = [Duration.seconds(30), Duration.minutes(2), Duration.minutes(10), Duration.hours(1)]

/**
 * Queues retry `attempt` of the mute behind a restriction record, or None once the ladder is used up. A function
 * over Jobs so that the restrict flow (which this service's dependencies sit below) can start the ladder.
 */
export const scheduleRestrictRetry = (jobs: Jobs, payload: RestrictRetryPayload) =>
  Effect.gen(function* () {
    const delay = restrictRetryDelays[payload.attempt - 1]
    if (delay === undefined) return Option.none<number>()
    return yield* jobs.scheduleIn(restrictRetryKind, delay, payload, `${restrictRetryKind}:${payload.restriction_id}:${payload.attempt}`)
  })

/**
 * The `restrict_retry` job. The message is already deleted and the prompt shown; only the mute is missing. Each
 * run re-reads the record and the group, so a user who verified, left or was released meanwhile, a mute that
 * happened since, or a group no longer enforced (or in delete-only mode) ends the ladder quietly.
 */
export class RestrictRetries extends Effect.Service<RestrictRetries>()("@nezuko/core/RestrictRetries", {
  effect: Effect.gen(function* () {
    const restrictions = yield* RestrictionRepo
    const directory = yield* GroupDirectory
    const protection = yield* Protection
    const jobs = yield* Jobs
    const alerts = yield* AlertRepo

    const retry = Effect.fn("RestrictRetries.retry")(function* (payload: RestrictRetryPayload) {
      const record = yield* restrictions.findPending(payload.group_id, payload.user_id)
      if (Option.isNone(record) || record.value.id !== payload.restriction_id) return { outcome: "closed" }
      if (record.value.restrictedUntil !== null) return { outcome: "already_muted" }
      const group = yield* directory.get(payload.group_id)
      if (Option.isNone(group) || !directory.isEnforced(group.value)) return { outcome: "not_enforced" }
      const g = group.value
      if (g.settings.enforcementMode !== "mute" || !g.botCanRestrict) return { outcome: "delete_only" }
      const muted = yield* Effect.either(protection.mute(payload.group_id, payload.user_id, g.settings.muteHours))
      if (muted._tag === "Right") {
        yield* restrictions.update(payload.restriction_id, { restrictedUntil: muted.right })
        return { outcome: "muted", attempt: payload.attempt }
      }
      const error = muted.left._tag
      if (!isTransient(muted.left)) return { outcome: "gave_up", error, attempt: payload.attempt }
      const next = yield* scheduleRestrictRetry(jobs, { ...payload, attempt: payload.attempt + 1 })
      if (Option.isSome(next)) return { outcome: "scheduled", error, attempt: payload.attempt }
      yield* alerts.raise({
        kind: "mute_failed", severity: "warning", groupId: Number(payload.group_id), channelId: null,
        message: `User ${payload.user_id} could not be muted in group ${payload.group_id} after ${payload.attempt} retries (${error}); their messages are still deleted.`,
        details: { restriction_id: payload.restriction_id, user_id: payload.user_id, error }
      })
      return { outcome: "alerted", error, attempt: payload.attempt }
    })

    return { retry } as const
  })
}) {}
