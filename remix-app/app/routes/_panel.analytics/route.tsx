import type { MetaFunction } from "@remix-run/node"
import { Form, useLoaderData, useLocation } from "@remix-run/react"
import { ChartCard, CountBars, DecisionsArea, Heatmap, HitRateLine, LatencyLines, TriggerDonut } from "../../components/charts/AnalyticsCharts.js"
import { QueryErrors } from "../../components/data-table/DataTable.js"
import { effectLoader } from "../../effect.server.js"
import { analyticsPage } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Analytics · Nezuko" }]

export const loader = effectLoader("read:panel:any", analyticsPage)

const sum = (rows: ReadonlyArray<Record<string, unknown>>, key: string) => rows.reduce((s, r) => s + Number(r[key] ?? 0), 0)

export default function AnalyticsPage() {
  const { charts, errors, params, timezone } = useLoaderData<typeof loader>()
  const { search } = useLocation()
  const csv = (chart: string) => {
    const q = new URLSearchParams(search)
    q.set("format", "csv")
    return `/api/v1/analytics/${chart}?${q.toString()}`
  }
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Analytics</h1>
      <Form method="get" className="filters">
        <fieldset className="periods">
          <legend className="sr-only">Period</legend>
          {(["24h", "7d", "30d", "90d", "custom"] as const).map((p) => (
            <label key={p} className="radio"><input type="radio" name="period" value={p} defaultChecked={params.period === p} /> {p}</label>
          ))}
        </fieldset>
        <label>From <input type="date" name="from" defaultValue={params.from} /></label>
        <label>To <input type="date" name="to" defaultValue={params.to} /></label>
        <label>Group id <input name="group" inputMode="numeric" defaultValue={params.group} placeholder="all groups" /></label>
        <label>Compare groups <input name="compare" defaultValue={params.compare} placeholder="up to 5 ids, comma-separated" /></label>
        <button type="submit">Show</button>
      </Form>
      <QueryErrors errors={errors} />
      <p className="muted">Times in {timezone}. Hourly buckets for 24 h, daily otherwise.</p>
      <div className="chart-grid">
        <ChartCard title="Decisions over time" csv={csv("decisions")} empty={charts.decisions.length === 0}>{() => <DecisionsArea rows={charts.decisions} />}</ChartCard>
        <ChartCard title="Funnel: restricted → verified → kicked/banned → pending" csv={csv("funnel")} empty={sum(charts.funnel, "count") === 0}>{() => <CountBars rows={charts.funnel} x="stage" y="count" vertical />}</ChartCard>
        <ChartCard title="Time to verify" csv={csv("time_to_verify")} empty={sum(charts.time_to_verify, "count") === 0}>{() => <CountBars rows={charts.time_to_verify} x="bucket" y="count" />}</ChartCard>
        <ChartCard title="Cache hit rate" csv={csv("cache_hit_rate")} empty={charts.cache_hit_rate.length === 0}>{() => <HitRateLine rows={charts.cache_hit_rate} />}</ChartCard>
        <ChartCard title="Check latency p50 / p95" csv={csv("latency")} empty={charts.latency.every((r) => r.p50_ms === null)}>{() => <LatencyLines rows={charts.latency} />}</ChartCard>
        <ChartCard title="Top 10 groups by restrictions" csv={csv("top_groups")} empty={charts.top_groups.length === 0}>{() => <CountBars rows={charts.top_groups} x="title" y="restrictions" vertical />}</ChartCard>
        <ChartCard title="Triggers" csv={csv("triggers")} empty={charts.triggers.length === 0}>{() => <TriggerDonut rows={charts.triggers} />}</ChartCard>
      </div>
      <figure className="card chart">
        <figcaption className="row-between"><span>Checks by weekday and hour</span><a href={csv("heatmap")} download className="muted">CSV</a></figcaption>
        {charts.heatmap.length === 0 ? <p className="muted">No data in this period.</p> : <Heatmap rows={charts.heatmap} />}
      </figure>
      {params.compare === "" ? null : (
        <figure className="card">
          <figcaption className="row-between"><span>Per-group comparison</span><a href={csv("comparison")} download className="muted">CSV</a></figcaption>
          <table>
            <thead>
              <tr><th scope="col">Group</th><th scope="col">Checks</th><th scope="col">Restricted</th><th scope="col">Verified</th><th scope="col">Pass rate</th><th scope="col">Cache hit rate</th></tr>
            </thead>
            <tbody>
              {charts.comparison.map((r) => (
                <tr key={String(r.group_id)}>
                  <td>{String(r.title)} <span className="muted">{String(r.group_id)}</span></td>
                  <td>{String(r.checks)}</td><td>{String(r.restricted)}</td><td>{String(r.verified)}</td>
                  <td>{r.pass_rate === null ? "–" : `${String(r.pass_rate)} %`}</td>
                  <td>{r.cache_hit_rate === null ? "–" : `${String(r.cache_hit_rate)} %`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </figure>
      )}
    </section>
  )
}
