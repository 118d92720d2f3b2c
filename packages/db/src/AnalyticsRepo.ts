import { SqlClient, type Statement } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"
import { checkDecisions, decisionSource } from "./HourlyRollup.js"

export interface AnalyticsRange {
  readonly from: Date
  readonly to: Date
  /** 'hour' for 24 h, 'day' otherwise (PANEL-9). */
  readonly bucket: "hour" | "day"
  readonly timezone: string
  readonly groupId: number | null
}

/** PANEL-9's eight charts, each one statement over the verification log or restrictions. */
export class AnalyticsRepo extends Effect.Service<AnalyticsRepo>()("@nezuko/db/AnalyticsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const inRange = (r: AnalyticsRange, column = "at") =>
      sql.and([sql`${sql(column)} >= ${r.from}`, sql`${sql(column)} < ${r.to}`, r.groupId === null ? sql`true` : sql`group_id = ${r.groupId}`])
    const bucketOf = (r: AnalyticsRange) =>
      sql`to_char(date_trunc(${r.bucket}, at AT TIME ZONE ${r.timezone}), ${r.bucket === "hour" ? "YYYY-MM-DD HH24:00" : "YYYY-MM-DD"})`

    /** A statement over the decisions of the range (decisionSource), which needs the watermark first. */
    const overDecisions = <A extends object>(r: AnalyticsRange, f: (src: Statement.Fragment) => Statement.Statement<A>) =>
      dbCall(Effect.flatMap(decisionSource(sql, r), f))

    const overTime = (r: AnalyticsRange) =>
      overDecisions(r, (src) => sql<{ readonly bucket: string; readonly decision: string; readonly count: number }>`
        SELECT ${bucketOf(r)} AS bucket, decision, sum(n)::int AS count FROM ${src} s GROUP BY 1, 2 ORDER BY 1`)

    const funnel = (r: AnalyticsRange) =>
      dbCall(Effect.map(sql<{ readonly restricted: number; readonly verified: number; readonly removed: number; readonly pending: number }>`
        SELECT count(*)::int AS restricted,
               count(*) FILTER (WHERE state = 'verified' AND (deadline_at IS NULL OR resolved_at <= deadline_at))::int AS verified,
               count(*) FILTER (WHERE state IN ('kicked', 'banned'))::int AS removed,
               count(*) FILTER (WHERE state = 'pending')::int AS pending
        FROM restrictions WHERE ${inRange(r, "created_at")}`, (rows) => rows[0] ?? { restricted: 0, verified: 0, removed: 0, pending: 0 }))

    const timeToVerify = (r: AnalyticsRange) =>
      dbCall(Effect.map(sql<{ readonly under1m: number; readonly m1to5: number; readonly m5to30: number; readonly m30to24h: number; readonly over24h: number }>`
        SELECT count(*) FILTER (WHERE d < interval '1 minute')::int AS under1m,
               count(*) FILTER (WHERE d >= interval '1 minute' AND d < interval '5 minutes')::int AS m1to5,
               count(*) FILTER (WHERE d >= interval '5 minutes' AND d < interval '30 minutes')::int AS m5to30,
               count(*) FILTER (WHERE d >= interval '30 minutes' AND d < interval '24 hours')::int AS m30to24h,
               count(*) FILTER (WHERE d >= interval '24 hours')::int AS over24h
        FROM (SELECT resolved_at - created_at AS d FROM restrictions WHERE state = 'verified' AND ${inRange(r, "resolved_at")}) t`,
        (rows) => rows[0] ?? { under1m: 0, m1to5: 0, m5to30: 0, m30to24h: 0, over24h: 0 }))

    const cacheAndLatency = (r: AnalyticsRange) =>
      overDecisions(r, (src) => sql<{ readonly bucket: string; readonly cached: number; readonly checked: number; readonly p50: number | null; readonly p95: number | null }>`
        SELECT ${bucketOf(r)} AS bucket, sum(cached)::int AS cached, sum(checked)::int AS checked,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY p50)::float8 AS p50, percentile_cont(0.5) WITHIN GROUP (ORDER BY p95)::float8 AS p95
        FROM ${src} s WHERE decision IN ${sql.in(checkDecisions)} GROUP BY 1 ORDER BY 1`)

    const topGroups = (r: AnalyticsRange) =>
      dbCall(sql<{ readonly groupId: number; readonly title: string | null; readonly count: number }>`
        SELECT v.group_id, g.title, v.count FROM (
          SELECT group_id, count(*)::int AS count FROM restrictions WHERE ${inRange(r, "created_at")} GROUP BY 1 ORDER BY 2 DESC LIMIT 10
        ) v LEFT JOIN groups g ON g.chat_id = v.group_id ORDER BY v.count DESC`)

    const heatmap = (r: AnalyticsRange) =>
      overDecisions(r, (src) => sql<{ readonly weekday: number; readonly hour: number; readonly count: number }>`
        SELECT extract(isodow FROM at AT TIME ZONE ${r.timezone})::int AS weekday, extract(hour FROM at AT TIME ZONE ${r.timezone})::int AS hour, sum(n)::int AS count
        FROM ${src} s WHERE decision IN ${sql.in(checkDecisions)} GROUP BY 1, 2`)

    const triggers = (r: AnalyticsRange) =>
      overDecisions(r, (src) => sql<{ readonly trigger: string; readonly count: number }>`
        SELECT trigger, sum(n)::int AS count FROM ${src} s GROUP BY 1 ORDER BY 2 DESC`)

    return { overTime, funnel, timeToVerify, cacheAndLatency, topGroups, heatmap, triggers } as const
  })
}) {}
