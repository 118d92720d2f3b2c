import type { MetaFunction } from "@remix-run/node"
import { useLoaderData } from "@remix-run/react"
import { effectLoader } from "../../effect.server.js"
import { dashboard } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Dashboard · Nezuko" }]

export const loader = effectLoader("read:panel:any", dashboard)

export default function Dashboard() {
  const { cards } = useLoaderData<typeof loader>()
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Dashboard</h1>
      <ul className="cards">
        {cards.map((card) => (
          <li key={card.label} className="card stat">
            <span className="stat-label">{card.label}</span>
            <span className="stat-value">{card.value.toLocaleString("en")}</span>
            <span className="muted">{card.hint}</span>
          </li>
        ))}
      </ul>
      <div className="card empty">
        <p className="badge">Coming with the next release</p>
        <p>The 14-day decisions chart, the activity feed, pending members and open alerts.</p>
      </div>
    </section>
  )
}
