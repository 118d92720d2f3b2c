import {
  Jobs, Reconciler, reconcileKind, RestrictRetries, RestrictRetryPayload, restrictRetryKind, UnmuteRetries, UnmuteRetryPayload, unmuteRetryKind
} from "@nezuko/core"
import { Clock, Duration, Effect, Layer, Schedule, Schema } from "effect"
import { jobHandler } from "./JobRunner.js"

/** The `reconcile` (LIM-8), `unmute_retry` (OPS-16) and `restrict_retry` (BOT-28) kinds. A retry schedules its own next attempt. */
export const ReconcileJobsLive = Layer.mergeAll(
  jobHandler(reconcileKind, Schema.Struct({}), () => Effect.flatMap(Reconciler, (r) => r.run())),
  jobHandler(unmuteRetryKind, UnmuteRetryPayload, (payload) => Effect.flatMap(UnmuteRetries, (u) => u.retry(payload))),
  jobHandler(restrictRetryKind, RestrictRetryPayload, (payload) => Effect.flatMap(RestrictRetries, (r) => r.retry(payload)))
)

/** The leader's hourly duty: one queued `reconcile` job at a time (the dedupe key), so replicas never double it. */
export const scheduleReconcile = Effect.repeat(
  Effect.flatMap(Jobs, (jobs) => Effect.flatMap(Clock.currentTimeMillis, (now) => jobs.schedule(reconcileKind, new Date(now), {}, reconcileKind))).pipe(
    Effect.catchAll((e) => Effect.logWarning("scheduling the reconciler failed", e))
  ),
  Schedule.spaced(Duration.hours(1))
)
