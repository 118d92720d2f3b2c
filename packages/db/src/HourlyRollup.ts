import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

/** app_settings key holding the end of the rolled-up hours: verification_hourly is complete before it. */
export const rollupWatermarkKey = "rollup.verification_hourly_until"

/**
 * The decisions between `from` and `to` as (at, group_id, trigger, decision, n, cached, checked, latency):
 * whole hours from verification_hourly before the watermark, single rows from verification_log after it, so
 * history costs one row per hour and group while the last minutes stay exact (DATA-12).
 */
export const decisionSource = (
  sql: SqlClient.SqlClient,
  range: { readonly from: Date; readonly to: Date; readonly groupId: number | null },
  options: { readonly perGroup?: boolean } = {}
) => {
  const group = (column: string) => (range.groupId === null ? sql`true` : sql`${sql(column)} = ${range.groupId}`)
  // Group 0 holds the all-groups totals: at 100 000 groups most per-group hours hold a single decision.
  const hourly = range.groupId !== null ? sql`h.group_id = ${range.groupId}` : options.perGroup === true ? sql`h.group_id <> 0` : sql`h.group_id = 0`
  return sql`(
    WITH wm AS (SELECT coalesce((SELECT (value #>> '{}')::timestamptz FROM app_settings WHERE key = ${rollupWatermarkKey}), '-infinity'::timestamptz) AS t)
    SELECT h.bucket AS at, h.group_id, h.trigger, h.decision, h.count AS n, h.cached_count AS cached, h.checked_count AS checked,
           h.latency_p50_ms::float8 AS p50, h.latency_p95_ms::float8 AS p95
    FROM verification_hourly h, wm WHERE h.bucket >= ${range.from} AND h.bucket < least(${range.to}::timestamptz, wm.t) AND ${hourly}
    UNION ALL
    SELECT v.at, v.group_id, v.trigger, v.decision, 1, (v.cached IS TRUE)::int, (v.cached IS NOT NULL)::int, v.latency_ms::float8, v.latency_ms::float8
    FROM verification_log v, wm WHERE v.at >= greatest(${range.from}::timestamptz, wm.t) AND v.at < ${range.to} AND ${group("v.group_id")}
  )`
}

/**
 * Recomputes verification_hourly for the complete hours since the watermark (minus one hour, for rows written
 * late by the buffered writer) and moves the watermark to the current hour. Idempotent; safe on any replica.
 */
export class HourlyRollup extends Effect.Service<HourlyRollup>()("@nezuko/db/HourlyRollup", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const run = dbCall(sql.withTransaction(Effect.gen(function* () {
      yield* sql`SELECT pg_advisory_xact_lock(7243)`
      const [row] = yield* sql<{ readonly since: Date; readonly until: Date }>`
        SELECT coalesce((SELECT (value #>> '{}')::timestamptz - interval '1 hour' FROM app_settings WHERE key = ${rollupWatermarkKey}),
                        (SELECT date_trunc('hour', min(at)) FROM verification_log), date_trunc('hour', now())) AS since,
               date_trunc('hour', now()) AS until`
      if (row === undefined) return 0
      yield* sql`DELETE FROM verification_hourly WHERE bucket >= ${row.since} AND bucket < ${row.until}`
      const inserted = yield* sql`
        INSERT INTO verification_hourly (bucket, group_id, trigger, decision, count, cached_count, checked_count, latency_sum_ms, latency_p50_ms, latency_p95_ms)
        SELECT date_trunc('hour', at), coalesce(group_id, 0), trigger, decision, count(*), count(*) FILTER (WHERE cached), count(cached),
               coalesce(sum(latency_ms), 0), percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms), percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)
        FROM verification_log WHERE at >= ${row.since} AND at < ${row.until}
        GROUP BY GROUPING SETS ((date_trunc('hour', at), group_id, trigger, decision), (date_trunc('hour', at), trigger, decision)) RETURNING 1`
      yield* sql`
        INSERT INTO app_settings (key, value) VALUES (${rollupWatermarkKey}, to_jsonb(${row.until}::timestamptz))
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`
      return inserted.length
    })))
    return { run } as const
  })
}) {}
