import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts"
import { ClientOnly } from "../ClientOnly.js"

export interface DayRow { readonly day: string; readonly pass: number; readonly restrict: number; readonly verify: number; readonly other: number }

export const seriesColors = { pass: "#3b82f6", restrict: "#ef4444", verify: "#22c55e", other: "#a3a3a3" } as const

/** Decisions per day, stacked by kind (PANEL-4's 14-day chart, PANEL-6's 30-day one). */
export function DecisionsBars({ days, label }: { readonly days: ReadonlyArray<DayRow>; readonly label: string }) {
  const total = days.reduce((sum, d) => sum + d.pass + d.restrict + d.verify + d.other, 0)
  if (total === 0) return <div className="card empty"><p>No decisions in this period yet.</p></div>
  return (
    <figure className="card chart" aria-label={label}>
      <figcaption>{label}</figcaption>
      <ClientOnly fallback={<div className="chart-skeleton" aria-hidden="true" />}>
        {() => (
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={[...days]} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} fontSize={12} />
              <YAxis allowDecimals={false} fontSize={12} width={40} />
              <Tooltip />
              <Legend />
              {(Object.keys(seriesColors) as Array<keyof typeof seriesColors>).map((key) => (
                <Bar key={key} dataKey={key} stackId="d" fill={seriesColors[key]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        )}
      </ClientOnly>
    </figure>
  )
}
