import { DecisionsBars, type DayRow } from "../../components/charts/DecisionsBars.js"

/** PANEL-6 Overview: the group's own cards and its 30-day chart. */
export function OverviewTab({ group, overview }: {
  readonly group: { readonly pending: number; readonly checks7d: number; readonly memberCount: number | null }
  readonly overview: { readonly days: ReadonlyArray<DayRow>; readonly totals30d: { readonly pass: number; readonly restrict: number; readonly verify: number } }
}) {
  const cards = [
    { label: "Pending now", value: group.pending },
    { label: "Checks (7 d)", value: group.checks7d },
    { label: "Passed (30 d)", value: overview.totals30d.pass },
    { label: "Restricted (30 d)", value: overview.totals30d.restrict },
    { label: "Verified (30 d)", value: overview.totals30d.verify }
  ]
  return (
    <>
      <ul className="cards">
        {cards.map((c) => (
          <li key={c.label} className="card stat"><span className="stat-label">{c.label}</span><span className="stat-value">{c.value.toLocaleString("en")}</span></li>
        ))}
      </ul>
      <DecisionsBars days={overview.days} label="Decisions over the last 30 days" />
    </>
  )
}
