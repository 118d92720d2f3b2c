import { SqlClient, type SqlError } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

/** The DATA-21 periods the job passes in; the fixed ones are SPEC values, the two logs come from config/app_settings. */
export interface RetentionPolicy {
  readonly verificationLogDays: number
  readonly auditLogDays: number
}

/** Fixed DATA-21 periods, in days. */
export const fixedRetentionDays = {
  loginAttempts: 30,
  finishedJobs: 7,
  expiredRefreshTokens: 7,
  closedRestrictions: 180,
  resolvedAlerts: 90,
  leftMembers: 90
} as const

/** DATA-18 / DATA-21: the audit log is never trimmed below 90 days, whatever the setting says. */
export const minAuditLogDays = 90

/** Rows deleted per statement of the two logs: each batch is its own short transaction, so no lock is held long. */
export const retentionBatchSize = 5000

/** What one run removed, per rule; the job stores it as its result. */
export interface RetentionResult {
  readonly verificationLog: number
  readonly auditLog: number
  readonly loginAttempts: number
  readonly finishedJobs: number
  readonly refreshTokens: number
  readonly restrictions: number
  readonly alerts: number
  readonly leftMembers: number
}

const days = (n: number) => n * 86_400

/**
 * DATA-21's retention rules as deletes. Rollups (verification_hourly, group_check_counts and the other rollup
 * tables) are deliberately not touched: the panel reads history beyond the log's retention from them (PANEL-9),
 * and the hourly rollup only recomputes hours after its watermark, so deleting old log rows never rewrites them.
 */
export class RetentionRepo extends Effect.Service<RetentionRepo>()("@nezuko/db/RetentionRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const count = (rows: ReadonlyArray<{ readonly n: number }>) => rows[0]?.n ?? 0

    // Runs `batch` until it deletes fewer rows than a full batch; returns the total.
    const drain = (batch: Effect.Effect<number, SqlError.SqlError>) =>
      Effect.iterate({ total: 0, last: retentionBatchSize }, {
        while: (s) => s.last >= retentionBatchSize,
        body: (s) => Effect.map(batch, (n) => ({ total: s.total + n, last: n }))
      }).pipe(Effect.map((s) => s.total))

    /**
     * verification_log rows older than `olderThanDays`. The table is partitioned by month, but only the default
     * partition exists so far, so rows are deleted by `at` in batches (the (at) index finds them).
     */
    const verificationLog = (olderThanDays: number) =>
      dbCall(drain(Effect.map(
        sql<{ readonly n: number }>`
          WITH gone AS (
            DELETE FROM verification_log WHERE (id, at) IN (
              SELECT id, at FROM verification_log WHERE at < now() - make_interval(secs => ${days(olderThanDays)}) LIMIT ${retentionBatchSize})
            RETURNING 1)
          SELECT count(*)::int AS n FROM gone`,
        count
      )))

    /** audit_log rows older than `olderThanDays` (at least 90); the append-only trigger lets only this transaction delete. */
    const auditLog = (olderThanDays: number) =>
      dbCall(drain(sql.withTransaction(Effect.gen(function* () {
        yield* sql`SELECT set_config('nezuko.retention', 'on', true)`
        return count(yield* sql<{ readonly n: number }>`
          WITH gone AS (
            DELETE FROM audit_log WHERE id IN (
              SELECT id FROM audit_log WHERE at < now() - make_interval(secs => ${days(Math.max(olderThanDays, minAuditLogDays))})
              LIMIT ${retentionBatchSize})
            RETURNING 1)
          SELECT count(*)::int AS n FROM gone`)
      }))))

    const deleted = (statement: Effect.Effect<ReadonlyArray<{ readonly n: number }>, SqlError.SqlError>) => dbCall(Effect.map(statement, count))

    const loginAttempts = deleted(sql`
      WITH gone AS (DELETE FROM login_attempts WHERE at < now() - make_interval(secs => ${days(fixedRetentionDays.loginAttempts)}) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)

    // Dead jobs stay: the status page lists them with Retry (PANEL-13) until an operator acts on them.
    const finishedJobs = deleted(sql`
      WITH gone AS (
        DELETE FROM scheduled_jobs
        WHERE state IN ('done', 'failed', 'cancelled') AND updated_at < now() - make_interval(secs => ${days(fixedRetentionDays.finishedJobs)})
        RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)

    const refreshTokens = deleted(sql`
      WITH gone AS (
        DELETE FROM admin_refresh_tokens WHERE expires_at < now() - make_interval(secs => ${days(fixedRetentionDays.expiredRefreshTokens)})
        RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)

    // Closed = any state but pending; the age counts from when it was closed (resolved_at, else its last update).
    const restrictions = deleted(sql`
      WITH gone AS (
        DELETE FROM restrictions
        WHERE state <> 'pending'
          AND coalesce(resolved_at, updated_at) < now() - make_interval(secs => ${days(fixedRetentionDays.closedRestrictions)})
        RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)

    const alerts = deleted(sql`
      WITH gone AS (
        DELETE FROM alerts WHERE resolved_at < now() - make_interval(secs => ${days(fixedRetentionDays.resolvedAlerts)}) RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)

    // A member who left long ago: the row's last change (updated_at) is when the status became `left`.
    const leftMembers = deleted(sql`
      WITH gone AS (
        DELETE FROM group_members
        WHERE status = 'left' AND updated_at < now() - make_interval(secs => ${days(fixedRetentionDays.leftMembers)})
        RETURNING 1)
      SELECT count(*)::int AS n FROM gone`)

    /** Every rule once, one after another (each its own statement, so a failure leaves the earlier deletes done). */
    const run = Effect.fn("RetentionRepo.run")(function* (policy: RetentionPolicy) {
      return {
        verificationLog: yield* verificationLog(policy.verificationLogDays),
        auditLog: yield* auditLog(policy.auditLogDays),
        loginAttempts: yield* loginAttempts,
        finishedJobs: yield* finishedJobs,
        refreshTokens: yield* refreshTokens,
        restrictions: yield* restrictions,
        alerts: yield* alerts,
        leftMembers: yield* leftMembers
      } satisfies RetentionResult
    })

    return { run, verificationLog, auditLog, loginAttempts, finishedJobs, refreshTokens, restrictions, alerts, leftMembers } as const
  })
}) {}
