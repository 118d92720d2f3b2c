import { AppConfig, Jobs } from "@nezuko/core"
import { AppSettingsRepo, minAuditLogDays, RetentionRepo } from "@nezuko/db"
import { Clock, Duration, Effect, Layer, Schedule, Schema } from "effect"
import { jobHandler } from "./JobRunner.js"

/** OPS-16's `retention` kind; the kind is also its dedupe key (one queued or running at a time). */
export const retentionKind = "retention"
export const retentionEvery = Duration.days(1)

// DATA-19: the panel's `retention.*` rows override the env values at run time (PANEL-14 writes them).
const storedDays = (stored: ReadonlyMap<string, unknown>, key: string, fallback: number) => {
  const value = stored.get(key)
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : fallback
}

/** One pass of DATA-21 with the periods in effect now; the audit log is never trimmed below 90 days. */
export const runRetention = Effect.gen(function* () {
  const config = yield* AppConfig
  const stored = yield* Effect.flatMap(AppSettingsRepo, (r) => r.all)
  const policy = {
    verificationLogDays: storedDays(stored, "retention.verification_log_days", config.verificationLogRetentionDays),
    auditLogDays: Math.max(minAuditLogDays, storedDays(stored, "retention.audit_log_days", config.auditLogRetentionDays))
  }
  const deleted = yield* Effect.flatMap(RetentionRepo, (r) => r.run(policy))
  yield* Effect.logInfo("retention done", { policy, deleted })
  return { policy, deleted }
})

/** The `retention` kind (OPS-16, DATA-21). */
export const RetentionJobsLive = jobHandler(retentionKind, Schema.Struct({}), () => runRetention).pipe(
  Layer.provide(Layer.mergeAll(RetentionRepo.Default, AppSettingsRepo.Default))
)

/** The leader's daily duty: one queued `retention` job at a time (the dedupe key), so replicas never double it. */
export const scheduleRetention = Effect.repeat(
  Effect.flatMap(Jobs, (jobs) => Effect.flatMap(Clock.currentTimeMillis, (now) => jobs.schedule(retentionKind, new Date(now), {}, retentionKind))).pipe(
    Effect.catchAll((e) => Effect.logWarning("scheduling retention failed", e))
  ),
  Schedule.spaced(retentionEvery)
)
