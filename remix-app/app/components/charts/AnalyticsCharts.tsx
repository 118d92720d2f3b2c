import { Area, AreaChart, Bar, BarChart, CartesianGrid, Cell, Legend, Line, LineChart, Pie, PieChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts"
import type { ReactNode } from "react"
import { ClientOnly } from "../ClientOnly.js"

type Rows = ReadonlyArray<Record<string, unknown>>
const palette = ["#3b82f6", "#ef4444", "#22c55e", "#f59e0b", "#8b5cf6", "#14b8a6", "#ec4899", "#64748b", "#a3e635", "#0ea5e9", "#f97316", "#94a3b8"]
const color = (i: number) => palette[i % palette.length] ?? "#3b82f6"
const decisionKeys = ["pass", "restrict", "verify", "still_missing", "exempt", "release", "kick", "ban", "approve", "decline", "deferred", "dry_run"]

/** A chart card: title, CSV link, an empty state when there is nothing to draw, client-only rendering. */
export function ChartCard({ children, csv, empty, title }: { readonly title: string; readonly csv: string; readonly empty: boolean; readonly children: () => ReactNode }) {
  return (
    <figure className="card chart">
      <figcaption className="row-between"><span>{title}</span><a href={csv} download className="muted">CSV</a></figcaption>
      {empty ? <p className="muted">No data in this period.</p> : (
        <ClientOnly fallback={<div className="chart-skeleton" aria-hidden="true" />}>
          {() => <ResponsiveContainer width="100%" height={240}>{children()}</ResponsiveContainer>}
        </ClientOnly>
      )}
    </figure>
  )
}

export const DecisionsArea = ({ rows }: { readonly rows: Rows }) => {
  const keys = decisionKeys.filter((k) => rows.some((r) => typeof r[k] === "number"))
  return (
    <AreaChart data={rows.map((r) => Object.fromEntries([["bucket", r.bucket], ...keys.map((k) => [k, r[k] ?? 0])]))}>
      <CartesianGrid strokeDasharray="3 3" vertical={false} /><XAxis dataKey="bucket" fontSize={11} /><YAxis fontSize={11} width={40} allowDecimals={false} /><Tooltip /><Legend />
      {keys.map((k, i) => <Area key={k} type="monotone" dataKey={k} stackId="a" stroke={color(i)} fill={color(i)} isAnimationActive={false} />)}
    </AreaChart>
  )
}

export const CountBars = ({ rows, x, y, vertical = false }: { readonly rows: Rows; readonly x: string; readonly y: string; readonly vertical?: boolean }) => (
  <BarChart data={[...rows]} layout={vertical ? "vertical" : "horizontal"} margin={{ left: vertical ? 40 : 0 }}>
    <CartesianGrid strokeDasharray="3 3" />
    {vertical ? <><XAxis type="number" fontSize={11} allowDecimals={false} /><YAxis type="category" dataKey={x} fontSize={11} width={120} /></> : <><XAxis dataKey={x} fontSize={11} /><YAxis fontSize={11} width={40} allowDecimals={false} /></>}
    <Tooltip /><Bar dataKey={y} fill="#3b82f6" isAnimationActive={false} />
  </BarChart>
)

export const HitRateLine = ({ rows }: { readonly rows: Rows }) => (
  <LineChart data={[...rows]}>
    <CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="bucket" fontSize={11} /><YAxis domain={[0, 100]} unit="%" fontSize={11} width={48} /><Tooltip />
    <ReferenceLine y={70} stroke="#f59e0b" strokeDasharray="4 4" label={{ value: "70 %", fontSize: 11 }} />
    <Line type="monotone" dataKey="hit_rate" stroke="#22c55e" dot={false} isAnimationActive={false} connectNulls />
  </LineChart>
)

export const LatencyLines = ({ rows }: { readonly rows: Rows }) => (
  <LineChart data={[...rows]}>
    <CartesianGrid strokeDasharray="3 3" /><XAxis dataKey="bucket" fontSize={11} /><YAxis unit=" ms" fontSize={11} width={60} /><Tooltip /><Legend />
    <Line type="monotone" dataKey="p50_ms" stroke="#3b82f6" dot={false} isAnimationActive={false} />
    <Line type="monotone" dataKey="p95_ms" stroke="#ef4444" dot={false} isAnimationActive={false} />
  </LineChart>
)

export const TriggerDonut = ({ rows }: { readonly rows: Rows }) => (
  <PieChart>
    <Pie data={[...rows]} dataKey="count" nameKey="trigger" innerRadius={55} outerRadius={90} isAnimationActive={false} label>
      {rows.map((_, i) => <Cell key={i} fill={color(i)} />)}
    </Pie>
    <Tooltip /><Legend />
  </PieChart>
)

const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

/** Weekday × hour as a table (server-rendered, readable without JavaScript). */
export function Heatmap({ rows }: { readonly rows: Rows }) {
  const count = (d: number, h: number) => Number(rows.find((r) => r.weekday === d && r.hour === h)?.count ?? 0)
  const max = Math.max(1, ...rows.map((r) => Number(r.count ?? 0)))
  return (
    <div className="table-wrap">
      <table className="heatmap">
        <thead><tr><th scope="col"><span className="sr-only">Day</span></th>{Array.from({ length: 24 }, (_, h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
        <tbody>{weekdays.map((name, i) => (
          <tr key={name}><th scope="row">{name}</th>{Array.from({ length: 24 }, (_, h) => {
            const c = count(i + 1, h)
            return <td key={h} title={`${name} ${h}:00 — ${c}`} style={{ background: c === 0 ? undefined : `rgba(59,130,246,${0.15 + (0.85 * c) / max})` }}>{c === 0 ? "" : c}</td>
          })}</tr>
        ))}</tbody>
      </table>
    </div>
  )
}
