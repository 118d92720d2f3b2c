import { AppConfig } from "@nezuko/core"
import { AnalyticsRepo, type AnalyticsRange } from "@nezuko/db"
import { NotFound } from "@nezuko/domain"
import { Clock, Effect, Option, Schema } from "effect"
import { decodeQuery, decodeQueryOrDefaults } from "../../api/listQuery.server.js"
import { RequestInfo } from "../../request.server.js"
import { localDateStart } from "../../services/localDays.server.js"

const Day = Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "must be a date (YYYY-MM-DD)" }))
export const AnalyticsParams = Schema.Struct({
  period: Schema.optionalWith(Schema.Literal("24h", "7d", "30d", "90d", "custom"), { default: () => "7d" as const }),
  from: Schema.optionalWith(Day, { as: "Option" }),
  to: Schema.optionalWith(Day, { as: "Option" }),
  group: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int()), { as: "Option" }),
  compare: Schema.optionalWith(
    Schema.String.pipe(Schema.pattern(/^\s*-?\d{1,16}(\s*,\s*-?\d{1,16}){0,4}\s*$/, { message: () => "must be up to 5 group ids, separated by commas" })),
    { as: "Option" }
  ),
  format: Schema.optionalWith(Schema.Literal("json", "csv"), { default: () => "json" as const })
})
type Params = typeof AnalyticsParams.Type

const rangeOf = (p: Params, now: number, timezone: string): AnalyticsRange => {
  const days = { "24h": 1, "7d": 7, "30d": 30, "90d": 90, custom: 30 }[p.period]
  const custom = p.period === "custom" && Option.isSome(p.from) && Option.isSome(p.to)
  // A custom range is whole local days in PANEL_TIMEZONE, like the day buckets it is drawn in.
  const from = custom && Option.isSome(p.from) ? localDateStart(p.from.value, timezone) : new Date(now - days * 86_400_000)
  const to = custom && Option.isSome(p.to) ? localDateStart(p.to.value, timezone, 1) : new Date(now)
  return { from, to, bucket: p.period === "24h" ? "hour" : "day", timezone, groupId: Option.getOrNull(p.group) }
}

export const charts = ["decisions", "funnel", "time_to_verify", "cache_hit_rate", "latency", "top_groups", "heatmap", "triggers", "comparison"] as const
export type Chart = (typeof charts)[number]

type CacheAndLatency = ReturnType<AnalyticsRepo["cacheAndLatency"]>

/**
 * One chart's rows (plain objects, the same for the page, the JSON API and CSV). The hit-rate and latency
 * charts come from one query; the page passes it in once for both.
 */
const compared = (p: Params) =>
  Option.match(p.compare, { onNone: () => [], onSome: (ids) => [...new Set(ids.split(",").map((id) => Number(id.trim())))] })

const rate = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10)

const chartData = (chart: Chart, r: AnalyticsRange, compare: ReadonlyArray<number>, shared?: CacheAndLatency) =>
  Effect.gen(function* () {
    const repo = yield* AnalyticsRepo
    const cacheAndLatency = shared ?? repo.cacheAndLatency(r)
    switch (chart) {
      case "decisions": {
        const rows = yield* repo.overTime(r)
        const buckets = new Map<string, Record<string, number | string>>()
        for (const row of rows) buckets.set(row.bucket, { ...(buckets.get(row.bucket) ?? { bucket: row.bucket }), [row.decision]: row.count })
        return [...buckets.values()]
      }
      case "funnel": {
        const f = yield* repo.funnel(r)
        return [{ stage: "restricted", count: f.restricted }, { stage: "verified within the timeout", count: f.verified }, { stage: "kicked or banned", count: f.removed }, { stage: "still pending", count: f.pending }]
      }
      case "time_to_verify": {
        const t = yield* repo.timeToVerify(r)
        return [{ bucket: "< 1 min", count: t.under1m }, { bucket: "1–5 min", count: t.m1to5 }, { bucket: "5–30 min", count: t.m5to30 }, { bucket: "30 min–24 h", count: t.m30to24h }, { bucket: "> 24 h", count: t.over24h }]
      }
      case "cache_hit_rate":
        return (yield* cacheAndLatency).map((x) => ({ bucket: x.bucket, hit_rate: x.checked === 0 ? null : Math.round((x.cached / x.checked) * 1000) / 10 }))
      case "latency":
        return (yield* cacheAndLatency).map((x) => ({ bucket: x.bucket, p50_ms: x.p50, p95_ms: x.p95 }))
      case "top_groups":
        return (yield* repo.topGroups(r)).map((x) => ({ group_id: x.groupId, title: x.title ?? String(x.groupId), restrictions: x.count }))
      case "heatmap":
        return (yield* repo.heatmap(r)).map((x) => ({ weekday: x.weekday, hour: x.hour, count: x.count }))
      case "triggers":
        return (yield* repo.triggers(r)).map((x) => ({ trigger: x.trigger, count: x.count }))
      case "comparison":
        return (yield* repo.compareGroups(r, compare)).map((x) => ({
          group_id: x.groupId, title: x.title ?? String(x.groupId), checks: x.checks, restricted: x.restricted, verified: x.verified,
          pass_rate: rate(x.passed, x.passed + x.restricted), cache_hit_rate: rate(x.cached, x.checked)
        }))
    }
  })

const context = Effect.gen(function* () {
  const config = yield* AppConfig
  const now = yield* Clock.currentTimeMillis
  return { timezone: config.panelTimezone, now }
})

/** PANEL-9's page: every chart for the period (invalid parameters fall back to 7 days). */
export const analyticsPage = Effect.gen(function* () {
  const { errors, value } = yield* decodeQueryOrDefaults(AnalyticsParams)
  const { now, timezone } = yield* context
  const range = rangeOf(value, now, timezone)
  const repo = yield* AnalyticsRepo
  const shared = yield* Effect.cached(repo.cacheAndLatency(range))
  const data = yield* Effect.all(
    Object.fromEntries(charts.map((c) => [c, chartData(c, range, compared(value), shared)])) as Record<Chart, ReturnType<typeof chartData>>,
    { concurrency: 4 }
  )
  return {
    errors, timezone,
    params: { period: value.period, from: Option.getOrElse(value.from, () => ""), to: Option.getOrElse(value.to, () => ""), group: Option.match(value.group, { onNone: () => "", onSome: String }), compare: Option.getOrElse(value.compare, () => "") },
    range: { from: range.from.toISOString(), to: range.to.toISOString(), bucket: range.bucket },
    charts: data as Record<Chart, ReadonlyArray<Record<string, unknown>>>
  }
})

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v)
  return /[",\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : s
}

/** GET /api/v1/analytics/:chart?period=&group=&format=csv|json */
export const analyticsApi = Effect.gen(function* () {
  const { params } = yield* RequestInfo
  const chart = charts.find((c) => c === params.chart)
  if (chart === undefined) return yield* new NotFound({ resource: "chart", id: String(params.chart) })
  const value = yield* decodeQuery(AnalyticsParams)
  const { now, timezone } = yield* context
  const rows = yield* chartData(chart, rangeOf(value, now, timezone), compared(value))
  if (value.format === "json") return Response.json({ data: rows })
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const body = [columns.join(","), ...rows.map((r) => columns.map((c) => csvCell((r as Record<string, unknown>)[c])).join(","))].join("\n") + "\n"
  return new Response(body, { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename=${chart}.csv` } })
})
