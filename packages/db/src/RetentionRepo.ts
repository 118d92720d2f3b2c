import { SqlClient, type SqlError } from "@effect/sql"
import { Effect } from "effect"
import { dbCall, sqlStateOf } from "./dbCall.js"
import { addLogMonths, type LogMonth, logMonthOf, logMonthsAhead, logMonthStart, logPartitionName, parseLogPartitionName } from "./LogPartitions.js"

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
  /** verification_log: whole months dropped, and rows deleted from the default partition. */
  readonly verificationLogMonths: number
  readonly verificationLog: number
  /** Month partitions created ahead (DATA-11). */
  readonly verificationLogMonthsCreated: number
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

    // The database's clock, as every other rule here uses (`now()` in SQL): one reference for every cutoff.
    const databaseNow = Effect.map(sql<{ readonly now: Date }>`SELECT now() AS now`, (rows) => rows[0]?.now ?? new Date())

    const logPartitions = Effect.map(
      sql<{ readonly name: string }>`
        SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'verification_log'::regclass`,
      (rows) => rows.flatMap((r) => {
        const month = parseLogPartitionName(r.name)
        return month === undefined ? [] : [month]
      })
    )

    // Creating a month's partition fails (23514) when the default partition already holds a row of that month;
    // the month then stays in the default, where its rows are deleted one by one like the legacy ones. Expected
    // for the rest of the month after an upgrade, so logged as information, not as a daily warning.
    const createMonth = (month: LogMonth) => {
      const [from, to] = [logMonthStart(month), logMonthStart(addLogMonths(month, 1))]
      const skip = (why: string) => Effect.as(Effect.logInfo("verification_log month stays in the default partition", { month: logPartitionName(month), why }), 0)
      return Effect.flatMap(
        sql<{ readonly taken: boolean }>`SELECT EXISTS (SELECT 1 FROM verification_log_default WHERE at >= ${from} AND at < ${to}) AS taken`,
        (rows) =>
          rows[0]?.taken === true
            ? skip("it already has rows there")
            : sql
              .unsafe(`CREATE TABLE IF NOT EXISTS ${logPartitionName(month)} PARTITION OF verification_log FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`)
              .pipe(
                Effect.as(1),
                Effect.catchIf((e) => sqlStateOf(e) === "23514", () => skip("a row of the month arrived meanwhile"))
              )
      )
    }

    /**
     * The partitions of this month and the next ones (`logMonthsAhead`) that do not exist yet; returns how many
     * it created. Creating one scans the default partition under a lock that holds the log's writes (brief once
     * the default is small; the first run after an upgrade waits for its legacy rows), which is why it runs here,
     * daily, months ahead, and not on the write path; the buffered writer keeps its rows meanwhile (LIM-13).
     */
    const ensureLogPartitions = dbCall(Effect.gen(function* () {
      const now = logMonthOf(yield* databaseNow)
      const existing = new Set((yield* logPartitions).map(logPartitionName))
      const wanted = Array.from({ length: logMonthsAhead }, (_, i) => addLogMonths(now, i)).filter((m) => !existing.has(logPartitionName(m)))
      return yield* Effect.reduce(wanted, 0, (created, month) => Effect.map(createMonth(month), (n) => created + n))
    }))

    /**
     * verification_log past `olderThanDays` (DATA-21): a month partition is dropped whole once its last instant is
     * older than the period, so rows are kept at least that long and at most a month longer; rows in the default
     * partition are deleted by `at` in batches (the (at) index finds them).
     */
    const verificationLog = (olderThanDays: number) =>
      dbCall(Effect.gen(function* () {
        const cutoff = (yield* databaseNow).getTime() - days(olderThanDays) * 1000
        const expired = (yield* logPartitions).filter((m) => logMonthStart(addLogMonths(m, 1)).getTime() <= cutoff)
        yield* Effect.forEach(expired, (month) => sql.unsafe(`DROP TABLE IF EXISTS ${logPartitionName(month)}`), { discard: true })
        const rows = yield* drain(Effect.map(
          sql<{ readonly n: number }>`
            WITH gone AS (
              DELETE FROM verification_log_default WHERE (id, at) IN (
                SELECT id, at FROM verification_log_default WHERE at < ${new Date(cutoff)} LIMIT ${retentionBatchSize})
              RETURNING 1)
            SELECT count(*)::int AS n FROM gone`,
          count
        ))
        return { months: expired.length, rows }
      }))

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
      const verificationLogMonthsCreated = yield* ensureLogPartitions
      const log = yield* verificationLog(policy.verificationLogDays)
      return {
        verificationLogMonths: log.months,
        verificationLog: log.rows,
        verificationLogMonthsCreated,
        auditLog: yield* auditLog(policy.auditLogDays),
        loginAttempts: yield* loginAttempts,
        finishedJobs: yield* finishedJobs,
        refreshTokens: yield* refreshTokens,
        restrictions: yield* restrictions,
        alerts: yield* alerts,
        leftMembers: yield* leftMembers
      } satisfies RetentionResult
    })

    return { run, ensureLogPartitions, verificationLog, auditLog, loginAttempts, finishedJobs, refreshTokens, restrictions, alerts, leftMembers } as const
  })
}) {}
