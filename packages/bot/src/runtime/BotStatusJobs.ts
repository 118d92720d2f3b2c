import { approveRetryNext, BotStatus, Jobs, joinRequestApproveKind, JoinRequests, joinRequestTimeoutKind } from "@nezuko/core"
import { GroupRepo } from "@nezuko/db"
import { ChatId, UserId } from "@nezuko/domain"
import { Clock, Duration, Effect, Layer, Schedule, Schema } from "effect"
import { BotIdentity } from "../BotIdentity.js"
import { jobHandler } from "./JobRunner.js"
import { LeaderDuties } from "./Leader.js"
import { scheduleReconcile } from "./ReconcileJobs.js"

/** BOT-45's job kind; payload `{ group_id }`. Also enqueued on demand by the panel. */
export const healthCheckKind = "health_check"
export const healthCheckEvery = Duration.hours(6)
export const healthCheckDedupeKey = (groupId: number) => `${healthCheckKind}:${groupId}`

const HealthCheckPayload = Schema.Struct({ group_id: Schema.Number.pipe(Schema.int()) })
const TimeoutPayload = Schema.Struct({ request_id: Schema.Number.pipe(Schema.int()), group_id: Schema.Number.pipe(Schema.int()) })
const ApprovePayload = Schema.Struct({ ...TimeoutPayload.fields, by: Schema.String, reason: Schema.NullOr(Schema.String) })

const healthCheck = (payload: typeof HealthCheckPayload.Type) =>
  Effect.gen(function* () {
    const me = yield* BotIdentity
    const status = yield* BotStatus
    return { health: yield* status.check(ChatId.make(payload.group_id), UserId.make(me.id)) }
  })

const joinRequestTimeout = (payload: typeof TimeoutPayload.Type) =>
  Effect.flatMap(JoinRequests, (gate) => Effect.map(gate.onTimeout(payload), (outcome) => ({ outcome })))

const joinRequestApprove = (payload: typeof ApprovePayload.Type) =>
  Effect.flatMap(JoinRequests, (gate) => Effect.map(gate.onApproveRetry(payload), (outcome) => ({ outcome })))

/** The `health_check` (BOT-45), `join_request_timeout` (BOT-46 step 5) and `join_request_approve` (LIM-6) kinds. */
export const BotStatusJobsLive = Layer.mergeAll(
  jobHandler(healthCheckKind, HealthCheckPayload, healthCheck),
  jobHandler(joinRequestTimeoutKind, TimeoutPayload, joinRequestTimeout),
  jobHandler(joinRequestApproveKind, ApprovePayload, joinRequestApprove, { retry: [approveRetryNext] })
)

/**
 * One pass of the leader's duty for BOT-45: each protected group gets its next health check 6 h after the last
 * one (a durable job with one dedupe key per group, so replicas and restarts never double it).
 */
export const sweepHealthChecks = Effect.gen(function* () {
  const groups = yield* GroupRepo
  const jobs = yield* Jobs
  const now = yield* Clock.currentTimeMillis
  const due = yield* groups.listProtected
  yield* Effect.forEach(due, (g) => {
    const last = g.healthCheckedAt === null ? now : g.healthCheckedAt.getTime()
    const runAt = new Date(Math.max(now, last + Duration.toMillis(healthCheckEvery)))
    return jobs.schedule(healthCheckKind, runAt, { group_id: Number(g.chatId) }, healthCheckDedupeKey(Number(g.chatId)))
  }, { discard: true })
  return due.length
})

/** The sweep every hour while this replica leads. */
export const scheduleHealthChecks = Effect.repeat(
  sweepHealthChecks.pipe(Effect.catchAll((e) => Effect.logWarning("scheduling health checks failed", e))),
  Schedule.spaced(Duration.hours(1))
)

/** Hands the schedule to the leader (LeaderLive runs its duties only while it leads). */
export const LeaderDutiesLive = Layer.effect(
  LeaderDuties,
  Effect.map(Effect.context<GroupRepo | Jobs>(), (context) => [Effect.provide(scheduleHealthChecks, context), Effect.provide(scheduleReconcile, context)])
)
