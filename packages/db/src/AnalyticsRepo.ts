import { SqlClient, type Statement } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"
import { checkDecisions, decisionSource, groupRestrictionsWindowKey, restrictionWindowHours } from "./HourlyRollup.js"

export interface AnalyticsRange {
  readonly from: Date
  readonly to: Date
  /** 'hour' for 24 h, 'day' otherwise (PANEL-9). */
  readonly bucket: "hour" | "day"
  readonly timezone: string
  readonly groupId: number | null
}

export interface GroupComparison {
  readonly groupId: number
  readonly title: string | null
  readonly checks: number
  readonly passed: number
  readonly restricted: number
  readonly verified: number
  readonly cached: number
  readonly checked: number
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
    const overDecisions = <A extends object>(r: AnalyticsRange, f: (src: Statement.Fragment) => Statement.Statement<A>, byTrigger = false) =>
      dbCall(Effect.flatMap(decisionSource(sql, r, { byTrigger }), f))

    const overTime = (r: AnalyticsRange) =>
      overDecisions(r, (src) => sql<{ readonly bucket: string; readonly decision: string; readonly count: number }>`
        SELECT ${bucketOf(r)} AS bucket, decision, sum(n)::int AS count FROM ${src} s GROUP BY 1, 2 ORDER BY 1`)

    /**
     * The whole UTC hours inside the range, [a, z), for the restriction rollups of migration 0011 (running sums
     * kept by triggers, so always current); the restrictions of [from, a) and [z, to) are read one by one.
     */
    const wholeHours = (r: AnalyticsRange) => {
      const a = Math.ceil(r.from.getTime() / 3_600_000) * 3_600_000
      const z = Math.max(a, Math.floor(r.to.getTime() / 3_600_000) * 3_600_000)
      return { a: new Date(a), z: new Date(z), head: new Date(Math.min(a, r.to.getTime())) }
    }

    type Funnel = { readonly restricted: number; readonly verified: number; readonly removed: number; readonly pending: number }
    const funnelOf = (rows: ReadonlyArray<Funnel>) => rows[0] ?? { restricted: 0, verified: 0, removed: 0, pending: 0 }
    const funnel = (r: AnalyticsRange) => {
      if (r.groupId !== null) {
        return dbCall(Effect.map(sql<Funnel>`
          SELECT count(*)::int AS restricted,
                 count(*) FILTER (WHERE state = 'verified' AND (deadline_at IS NULL OR resolved_at <= deadline_at))::int AS verified,
                 count(*) FILTER (WHERE state IN ('kicked', 'banned'))::int AS removed,
                 count(*) FILTER (WHERE state = 'pending')::int AS pending
          FROM restrictions WHERE ${inRange(r, "created_at")}`, funnelOf))
      }
      const { a, z, head } = wholeHours(r)
      const raw = sql`1, (state = 'verified' AND (deadline_at IS NULL OR resolved_at <= deadline_at)) IS TRUE, state IN ('kicked', 'banned'), state = 'pending'`
      return dbCall(Effect.map(sql<Funnel>`
        SELECT coalesce(sum(restricted), 0)::int AS restricted, coalesce(sum(verified), 0)::int AS verified,
               coalesce(sum(removed), 0)::int AS removed, coalesce(sum(pending), 0)::int AS pending
        FROM (
          SELECT restricted, verified, removed, pending FROM restriction_funnel_hourly WHERE bucket >= ${a} AND bucket < ${z}
          UNION ALL
          SELECT 1, v::int, k::int, p::int FROM (
            SELECT ${raw} FROM restrictions WHERE created_at >= ${r.from} AND created_at < ${head}
            UNION ALL
            SELECT ${raw} FROM restrictions WHERE created_at >= ${z} AND created_at < ${r.to}
          ) e (one, v, k, p)
        ) t`, funnelOf))
    }

    type TimeToVerify = { readonly under1m: number; readonly m1to5: number; readonly m5to30: number; readonly m30to24h: number; readonly over24h: number }
    const timeToVerify = (r: AnalyticsRange) => {
      const buckets = (d: string) => sql`
        SELECT count(*) FILTER (WHERE ${sql.literal(d)} < interval '1 minute')::int AS under1m,
               count(*) FILTER (WHERE ${sql.literal(d)} >= interval '1 minute' AND ${sql.literal(d)} < interval '5 minutes')::int AS m1to5,
               count(*) FILTER (WHERE ${sql.literal(d)} >= interval '5 minutes' AND ${sql.literal(d)} < interval '30 minutes')::int AS m5to30,
               count(*) FILTER (WHERE ${sql.literal(d)} >= interval '30 minutes' AND ${sql.literal(d)} < interval '24 hours')::int AS m30to24h,
               count(*) FILTER (WHERE ${sql.literal(d)} >= interval '24 hours')::int AS over24h`
      const empty = { under1m: 0, m1to5: 0, m5to30: 0, m30to24h: 0, over24h: 0 }
      if (r.groupId !== null) {
        return dbCall(Effect.map(sql<TimeToVerify>`
          ${buckets("d")} FROM (SELECT resolved_at - created_at AS d FROM restrictions WHERE state = 'verified' AND ${inRange(r, "resolved_at")}) t`,
          (rows) => rows[0] ?? empty))
      }
      const { a, z, head } = wholeHours(r)
      return dbCall(Effect.map(sql<TimeToVerify>`
        SELECT coalesce(sum(under1m), 0)::int AS under1m, coalesce(sum(m1to5), 0)::int AS m1to5, coalesce(sum(m5to30), 0)::int AS m5to30,
               coalesce(sum(m30to24h), 0)::int AS m30to24h, coalesce(sum(over24h), 0)::int AS over24h
        FROM (
          SELECT under1m, m1to5, m5to30, m30to24h, over24h FROM verify_time_hourly WHERE bucket >= ${a} AND bucket < ${z}
          UNION ALL
          ${buckets("d")} FROM (
            SELECT resolved_at - created_at AS d FROM restrictions WHERE state = 'verified' AND resolved_at >= ${r.from} AND resolved_at < ${head}
            UNION ALL
            SELECT resolved_at - created_at FROM restrictions WHERE state = 'verified' AND resolved_at >= ${z} AND resolved_at < ${r.to}
          ) e
        ) t`, (rows) => rows[0] ?? empty))
    }

    const cacheAndLatency = (r: AnalyticsRange) =>
      overDecisions(r, (src) => sql<{ readonly bucket: string; readonly cached: number; readonly checked: number; readonly p50: number | null; readonly p95: number | null }>`
        SELECT to_char(b, ${r.bucket === "hour" ? "YYYY-MM-DD HH24:00" : "YYYY-MM-DD"}) AS bucket, cached, checked, p50, p95 FROM (
          SELECT date_trunc(${r.bucket}, at AT TIME ZONE ${r.timezone}) AS b, sum(cached)::int AS cached, sum(checked)::int AS checked,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY p50)::float8 AS p50, percentile_cont(0.5) WITHIN GROUP (ORDER BY p95)::float8 AS p95
          FROM ${src} s WHERE decision IN ${sql.in(checkDecisions)} GROUP BY 1
        ) x ORDER BY 1`, true)

    type TopRow = { readonly groupId: number; readonly title: string | null; readonly count: number }
    const titled = (ranked: Statement.Fragment) =>
      sql<TopRow>`
        SELECT v.group_id, g.title, v.count FROM (${ranked}) v LEFT JOIN groups g ON g.chat_id = v.group_id
        ORDER BY v.count DESC, v.group_id DESC`

    /**
     * Top 10 groups by restrictions created in the range (ties by id). For the standard periods ending now,
     * from group_restriction_counts plus the restrictions at both ends of its window: the ten first of the
     * groups without such rows, and every group with them, hold the ten first overall.
     */
    const topGroups = (r: AnalyticsRange) =>
      Effect.gen(function* () {
        const hours = (r.to.getTime() - r.from.getTime()) / 3_600_000
        const window = restrictionWindowHours.find((h) => h === hours)
        const [stored] = r.groupId !== null || window === undefined ? [] : yield* sql<{ readonly windowUntil: Date }>`
          SELECT (value ->> 'until')::timestamptz AS window_until FROM app_settings WHERE key = ${groupRestrictionsWindowKey}`
        if (window === undefined || stored === undefined || stored.windowUntil > r.to || stored.windowUntil <= r.from) {
          return yield* titled(sql`
            SELECT group_id, count(*)::int AS count FROM restrictions WHERE ${inRange(r, "created_at")} GROUP BY 1 ORDER BY 2 DESC, 1 DESC LIMIT 10`)
        }
        const start = new Date(stored.windowUntil.getTime() - window * 3_600_000)
        return yield* titled(sql`
          WITH delta AS (
            SELECT group_id, sum(d)::int AS d FROM (
              SELECT group_id, -1 AS d FROM restrictions WHERE created_at >= ${start} AND created_at < ${r.from}
              UNION ALL
              SELECT group_id, 1 FROM restrictions WHERE created_at >= ${stored.windowUntil} AND created_at < ${r.to}
            ) e GROUP BY group_id
          ), cand AS (
            SELECT d.group_id, coalesce((SELECT c.restrictions FROM group_restriction_counts c WHERE c.window_hours = ${window} AND c.group_id = d.group_id), 0) + d.d AS count
            FROM delta d
            UNION ALL
            (SELECT c.group_id, c.restrictions FROM group_restriction_counts c
             WHERE c.window_hours = ${window} AND c.group_id NOT IN (SELECT group_id FROM delta)
             ORDER BY c.restrictions DESC, c.group_id DESC LIMIT 10)
          )
          SELECT group_id, count FROM cand WHERE count > 0 ORDER BY count DESC, group_id DESC LIMIT 10`)
      }).pipe(dbCall)

    const heatmap = (r: AnalyticsRange) =>
      overDecisions(r, (src) => sql<{ readonly weekday: number; readonly hour: number; readonly count: number }>`
        SELECT extract(isodow FROM at AT TIME ZONE ${r.timezone})::int AS weekday, extract(hour FROM at AT TIME ZONE ${r.timezone})::int AS hour, sum(n)::int AS count
        FROM (SELECT at, sum(n)::bigint AS n FROM ${src} s WHERE decision IN ${sql.in(checkDecisions)} GROUP BY 1) s GROUP BY 1, 2`)

    const triggers = (r: AnalyticsRange) =>
      overDecisions(r, (src) => sql<{ readonly trigger: string; readonly count: number }>`
        SELECT trigger, sum(n)::int AS count FROM ${src} s GROUP BY 1 ORDER BY 2 DESC`, true)

    /** PANEL-9's per-group comparison: each group's totals over the range, from its own hourly rows and the log. */
    const compareGroups = (r: AnalyticsRange, groupIds: ReadonlyArray<number>) =>
      Effect.map(
        Effect.forEach(groupIds, (groupId) =>
          overDecisions({ ...r, groupId }, (src) =>
            sql<GroupComparison>`
              SELECT ${groupId}::bigint AS group_id, (SELECT title FROM groups WHERE chat_id = ${groupId}) AS title,
                     coalesce(sum(n) FILTER (WHERE decision IN ${sql.in(checkDecisions)}), 0)::int AS checks,
                     coalesce(sum(n) FILTER (WHERE decision = 'pass'), 0)::int AS passed,
                     coalesce(sum(n) FILTER (WHERE decision = 'restrict'), 0)::int AS restricted,
                     coalesce(sum(n) FILTER (WHERE decision IN ('verify', 'approve')), 0)::int AS verified,
                     coalesce(sum(cached) FILTER (WHERE decision IN ${sql.in(checkDecisions)}), 0)::int AS cached,
                     coalesce(sum(checked) FILTER (WHERE decision IN ${sql.in(checkDecisions)}), 0)::int AS checked
              FROM ${src} s`), { concurrency: 5 }),
        (rows) => rows.flat()
      )

    return { overTime, funnel, timeToVerify, cacheAndLatency, topGroups, heatmap, triggers, compareGroups } as const
  })
}) {}
