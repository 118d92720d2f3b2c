import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

/** app_settings key holding the end of the rolled-up hours: verification_hourly is complete before it. */
export const rollupWatermarkKey = "rollup.verification_hourly_until"

/** app_settings key holding `{ from, until }`: group_check_counts counts the checks of each group in [from, until). */
export const groupChecksWindowKey = "rollup.group_check_counts"

/** app_settings key holding `{ until }`: group_restriction_counts counts restrictions created in [until − window, until). */
export const groupRestrictionsWindowKey = "rollup.group_restriction_counts"

/** The analytics periods (PANEL-9) whose top-10 chart reads group_restriction_counts. */
export const restrictionWindowHours = [24, 168, 720, 2160] as const

// The decisions that count as a check (PANEL-4).
export const checkDecisions = ["pass", "restrict", "still_missing", "verify", "approve", "decline", "deferred"] as const

/** verification_hourly's all-groups rows: per trigger and decision, and per decision alone (trigger '*'). */
export const totalsByTrigger = 0
export const totalsByDecision = 1

/** The rollup watermark, or null before the first run. */
export const rollupWatermark = (sql: SqlClient.SqlClient) =>
  Effect.map(
    sql<{ readonly t: Date | null }>`SELECT (SELECT (value #>> '{}')::timestamptz FROM app_settings WHERE key = ${rollupWatermarkKey}) AS t`,
    (rows) => rows[0]?.t ?? null
  )

/**
 * The decisions between `from` and `to` as (at, group_id, trigger, decision, n, cached, checked, p50, p95):
 * the whole hours inside the range from verification_hourly, up to the watermark, and single rows from
 * verification_log for the rest — the partial hours at both ends and everything after the watermark — so
 * history costs one row per hour while the figures stay those of the log (DATA-12).
 *
 * The watermark is read first and sent as a constant: the planner then sizes each part right (an unknown
 * bound makes it expect a third of the log, and PostgreSQL's JIT then costs more than the query).
 */
export const decisionSource = (
  sql: SqlClient.SqlClient,
  range: { readonly from: Date; readonly to: Date; readonly groupId: number | null },
  options: { readonly perGroup?: boolean; readonly byTrigger?: boolean } = {}
) =>
  Effect.map(rollupWatermark(sql), (watermark) => {
    const group = (column: string) => (range.groupId === null ? sql`true` : sql`${sql(column)} = ${range.groupId}`)
    // All groups read the totals rows: at 100 000 groups most per-group hours hold a single decision. Those
    // without the trigger (`byTrigger` false) have no latency percentiles and '*' as the trigger.
    const hourly = range.groupId !== null
      ? sql`h.group_id = ${range.groupId}`
      : options.perGroup === true
      ? sql`h.group_id NOT IN (${totalsByTrigger}, ${totalsByDecision})`
      : sql`h.group_id = ${options.byTrigger === true ? totalsByTrigger : totalsByDecision}`
    const raw = sql`v.at, v.group_id, v.trigger, v.decision, 1, (v.cached IS TRUE)::int, (v.cached IS NOT NULL)::int, v.latency_ms::float8, v.latency_ms::float8`
    // Hours [a, z) come from the rollup: a is `from` rounded up to the hour, z the earlier of `to` rounded down
    // and the watermark, never before a, so the raw ranges [from, a) and [z, to) cannot overlap.
    const a = sql`date_trunc('hour', ${range.from}::timestamptz + interval '1 hour' - interval '1 microsecond')`
    const wm = watermark === null ? sql`'-infinity'::timestamptz` : sql`${watermark}::timestamptz`
    const z = sql`greatest(${a}, least(date_trunc('hour', ${range.to}::timestamptz), ${wm}))`
    return sql`(
      SELECT h.bucket AS at, h.group_id, h.trigger, h.decision, h.count AS n, h.cached_count AS cached, h.checked_count AS checked,
             h.latency_p50_ms::float8 AS p50, h.latency_p95_ms::float8 AS p95
      FROM verification_hourly h WHERE h.bucket >= ${a} AND h.bucket < ${z} AND ${hourly}
      UNION ALL
      SELECT ${raw} FROM verification_log v WHERE v.at >= ${range.from} AND v.at < least(${a}, ${range.to}::timestamptz) AND ${group("v.group_id")}
      UNION ALL
      SELECT ${raw} FROM verification_log v WHERE v.at >= ${z} AND v.at < ${range.to} AND ${group("v.group_id")}
    )`
  })

/**
 * How long after an hour ends the rollup waits before folding it. The panel reads the log itself from the
 * watermark on, so a row that reaches the log after its hour was folded (the buffered writer holds rows for
 * seconds) would be counted by neither side until the next run recomputed that hour.
 */
export const rollupGraceSeconds = 120

/**
 * Recomputes verification_hourly for the complete hours since the watermark (minus one hour, for rows written
 * later still) and moves the watermark to the start of the hour `rollupGraceSeconds` ago; rebuilds group_check_counts and
 * group_restriction_counts (per group, over windows ending a minute ago) and folds the dashboard's count
 * deltas. Idempotent; safe on any replica.
 */
export class HourlyRollup extends Effect.Service<HourlyRollup>()("@nezuko/db/HourlyRollup", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    // From the log, so the window can end a minute ago (rows reach the log seconds late at most) and the panel
    // adds only minutes of rows at each end. Only rows that change are written.
    const rebuildGroupChecks = (now: Date) => Effect.gen(function* () {
      const [w] = yield* sql<{ readonly windowFrom: Date; readonly windowUntil: Date }>`
        SELECT ${now}::timestamptz - interval '1 minute' - interval '168 hours' AS window_from, ${now}::timestamptz - interval '1 minute' AS window_until`
      if (w === undefined) return
      yield* sql`
        WITH fresh AS (
          SELECT v.group_id, count(*)::int AS checks
          FROM verification_log v JOIN groups g ON g.chat_id = v.group_id
          WHERE v.at >= ${w.windowFrom} AND v.at < ${w.windowUntil} AND v.decision IN ${sql.in(checkDecisions)}
          GROUP BY v.group_id
        ), gone AS (
          DELETE FROM group_check_counts c WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.group_id = c.group_id)
        )
        INSERT INTO group_check_counts (group_id, checks) SELECT group_id, checks FROM fresh
        ON CONFLICT (group_id) DO UPDATE SET checks = EXCLUDED.checks WHERE group_check_counts.checks <> EXCLUDED.checks`
      yield* sql`
        INSERT INTO app_settings (key, value) VALUES (${groupChecksWindowKey}, jsonb_build_object('from', ${w.windowFrom}::timestamptz, 'until', ${w.windowUntil}::timestamptz))
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`
    })

    const rebuildGroupRestrictions = (now: Date) => Effect.gen(function* () {
      const [w] = yield* sql<{ readonly windowUntil: Date }>`SELECT ${now}::timestamptz - interval '1 minute' AS window_until`
      if (w === undefined) return
      const longest = Math.max(...restrictionWindowHours)
      yield* sql`
        WITH fresh AS (
          SELECT w.hours AS window_hours, r.group_id, count(*)::int AS restrictions
          FROM restrictions r JOIN unnest(${[...restrictionWindowHours]}::int[]) AS w(hours)
            ON r.created_at >= ${w.windowUntil}::timestamptz - w.hours * interval '1 hour'
          WHERE r.created_at >= ${w.windowUntil}::timestamptz - ${longest} * interval '1 hour' AND r.created_at < ${w.windowUntil}
          GROUP BY 1, 2
        ), gone AS (
          DELETE FROM group_restriction_counts c
          WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.window_hours = c.window_hours AND f.group_id = c.group_id)
        )
        INSERT INTO group_restriction_counts (window_hours, group_id, restrictions) SELECT window_hours, group_id, restrictions FROM fresh
        ON CONFLICT (window_hours, group_id) DO UPDATE SET restrictions = EXCLUDED.restrictions
        WHERE group_restriction_counts.restrictions <> EXCLUDED.restrictions`
      yield* sql`
        INSERT INTO app_settings (key, value) VALUES (${groupRestrictionsWindowKey}, jsonb_build_object('until', ${w.windowUntil}::timestamptz))
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`
    })

    /** The rollup as of `asOf`: the database's clock for `run`, a test's chosen instant for `runAt`. */
    const rollUp = (asOf: Date | null) => dbCall(sql.withTransaction(Effect.gen(function* () {
      yield* sql`SELECT pg_advisory_xact_lock(7243)`
      const [row] = yield* sql<{ readonly now: Date; readonly since: Date; readonly until: Date }>`
        WITH clock AS (SELECT coalesce(${asOf}::timestamptz, now()) AS now),
             t AS (SELECT now, date_trunc('hour', now - ${rollupGraceSeconds} * interval '1 second') AS until FROM clock)
        SELECT now, until,
               coalesce((SELECT (value #>> '{}')::timestamptz - interval '1 hour' FROM app_settings WHERE key = ${rollupWatermarkKey}),
                        (SELECT date_trunc('hour', min(at)) FROM verification_log), until) AS since
        FROM t`
      if (row === undefined) return 0
      yield* sql`DELETE FROM verification_hourly WHERE bucket >= ${row.since} AND bucket < ${row.until}`
      const inserted = yield* sql`
        INSERT INTO verification_hourly (bucket, group_id, trigger, decision, count, cached_count, checked_count, latency_sum_ms, latency_p50_ms, latency_p95_ms)
        SELECT date_trunc('hour', at), CASE WHEN GROUPING(trigger) = 1 THEN ${totalsByDecision} ELSE coalesce(group_id, ${totalsByTrigger}) END,
               coalesce(trigger, '*'), decision, count(*), count(*) FILTER (WHERE cached), count(cached),
               coalesce(sum(latency_ms), 0), percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)
        FROM verification_log WHERE at >= ${row.since} AND at < ${row.until}
        GROUP BY GROUPING SETS ((date_trunc('hour', at), group_id, trigger, decision), (date_trunc('hour', at), trigger, decision), (date_trunc('hour', at), decision))
        RETURNING 1`
      yield* sql`
        INSERT INTO app_settings (key, value) VALUES (${rollupWatermarkKey}, to_jsonb(${row.until}::timestamptz))
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`
      // Fold the dashboard's running sums (migration 0010) so reading them stays a scan of a few rows.
      yield* sql`
        WITH gone AS (DELETE FROM group_count_deltas RETURNING protected, attention)
        INSERT INTO group_count_deltas (protected, attention) SELECT sum(protected), sum(attention) FROM gone HAVING count(*) > 0`
      yield* sql`
        WITH gone AS (DELETE FROM channel_link_deltas RETURNING channel_id, d)
        INSERT INTO channel_link_deltas (channel_id, d) SELECT channel_id, sum(d) FROM gone GROUP BY channel_id HAVING sum(d) <> 0`
      // Fold the restriction rollups' deltas (migration 0011): one row per hour again, and only hours that have more.
      for (const table of ["restriction_funnel_hourly", "verify_time_hourly"] as const) {
        const columns = table === "restriction_funnel_hourly"
          ? ["restricted", "verified", "removed", "pending"]
          : ["under1m", "m1to5", "m5to30", "m30to24h", "over24h"]
        yield* sql`
          WITH gone AS (
            DELETE FROM ${sql(table)} WHERE bucket IN (SELECT bucket FROM ${sql(table)} GROUP BY bucket HAVING count(*) > 1)
            RETURNING *
          ), folded AS (
            SELECT bucket, ${sql.join(",", false)(columns.map((c) => sql`sum(${sql(c)})::int AS ${sql(c)}`))} FROM gone GROUP BY bucket
          )
          INSERT INTO ${sql(table)} (bucket, ${sql.join(",", false)(columns.map((c) => sql`${sql(c)}`))})
          SELECT * FROM folded WHERE ${sql.join(" OR ", false)(columns.map((c) => sql`${sql(c)} <> 0`))}`
      }
      yield* rebuildGroupChecks(row.now)
      yield* rebuildGroupRestrictions(row.now)
      return inserted.length
    })))
    return { run: rollUp(null), runAt: (now: Date) => rollUp(now) } as const
  })
}) {}
