import type { MetaFunction } from "@remix-run/node"
import { Link, useLoaderData, useRevalidator } from "@remix-run/react"
import { useEffect } from "react"
import { DecisionsBars } from "../../components/charts/DecisionsBars.js"
import { effectLoader } from "../../effect.server.js"
import { dashboard } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Dashboard · Nezuko" }]

export const loader = effectLoader("read:panel:any", dashboard)

const time = (iso: string) => new Date(iso).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "short" })

export default function Dashboard() {
  const { activity, alerts, cards, days } = useLoaderData<typeof loader>()
  const revalidator = useRevalidator()
  // PANEL-4: the feed (and the cards with it) refresh every 15 s while the tab is visible.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible" && revalidator.state === "idle") revalidator.revalidate()
    }, 15_000)
    return () => clearInterval(timer)
  }, [revalidator])
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Dashboard</h1>
      <ul className="cards">
        {cards.map((card) => (
          <li key={card.label} className="card stat" data-card={card.label}>
            <span className="stat-label">{card.label}</span>
            <span className="stat-value">{card.value}</span>
            <span className="muted">{card.hint}</span>
          </li>
        ))}
      </ul>
      <DecisionsBars days={days} label="Decisions over the last 14 days" />
      <div className="two-columns">
        <section className="card" aria-labelledby="activity-title">
          <h2 id="activity-title">Activity</h2>
          {activity.length === 0 ? <p className="muted">Nothing has happened yet.</p> : (
            <ol className="feed">
              {activity.map((a, i) => (
                <li key={`${a.at}-${i}`}>
                  <time dateTime={a.at}>{time(a.at)}</time> <span className={`tag tag-${a.kind.replace(/\./g, "-")}`}>{a.kind}</span>{" "}
                  {a.groupId !== null ? <Link to={`/groups/${a.groupId}`}>group {a.groupId}</Link> : null}
                  {a.userId !== null ? <> · user <code>{a.userId}</code></> : null}
                  {a.detail ? <span className="muted"> · {a.detail}</span> : null}
                </li>
              ))}
            </ol>
          )}
        </section>
        <section className="card" aria-labelledby="alerts-title">
          <h2 id="alerts-title">Open alerts</h2>
          {alerts.length === 0 ? <p className="muted">No open alerts.</p> : (
            <ul className="feed">
              {alerts.map((a) => (
                <li key={a.id}><span className={`severity severity-${a.severity}`}>{a.severity}</span> {a.message} <time className="muted" dateTime={a.openedAt}>{time(a.openedAt)}</time></li>
              ))}
            </ul>
          )}
          <p><Link to="/status">Status and acknowledgements →</Link></p>
        </section>
      </div>
    </section>
  )
}
