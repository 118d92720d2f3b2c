import type { MetaFunction } from "@remix-run/node"
import { Form, useLoaderData } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { operate, statusPage } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Status · Nezuko" }]

export const loader = effectLoader("read:panel:any", statusPage)
export const action = effectAction("update:operations:any", operate(), (form) => (form.get("intent") === "retry" ? "job.retry" : "alert.ack"))

const ago = (iso: string) => new Date(iso).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "medium" })
const uptime = (s: number) => (s < 3600 ? `${Math.round(s / 60)} min` : s < 172_800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86_400)} d`)

export default function StatusPage() {
  const d = useLoaderData<typeof loader>()
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Status</h1>
      {d.notice ? <p className="notice" role="status">{d.notice}</p> : null}
      <p className="muted">Bot {d.bot ? `@${d.bot}` : "(not signed in to Telegram in this process)"} · mode {d.mode}
        {d.webhook ? <> · webhook {d.webhook.url === "" ? "not set (polling)" : d.webhook.url}, {d.webhook.pending} pending{d.webhook.lastError ? `, last error “${d.webhook.lastError}”` : ""}</> : null}
      </p>
      <section className="card" aria-labelledby="replicas">
        <h2 id="replicas">Replicas</h2>
        {d.instances.length === 0 ? <p className="muted">No bot instance has sent a heartbeat yet.</p> : (
          <div className="table-wrap"><table className="data-table">
            <thead><tr><th scope="col">Instance</th><th scope="col">Roles</th><th scope="col">Version</th><th scope="col">Mode</th><th scope="col">Uptime</th><th scope="col">Last heartbeat</th><th scope="col">Leader</th></tr></thead>
            <tbody>{d.instances.map((i) => (
              <tr key={i.id}><td><code>{i.id}</code> {i.live ? <span className="pill pill-ok">live</span> : <span className="pill pill-broken">down</span>}</td><td>{i.roles.join(", ")}</td><td>{i.version}</td><td>{i.mode}</td><td>{uptime(i.uptimeS)}</td><td>{ago(i.lastHeartbeat)}</td><td>{i.leader ? "★" : ""}</td></tr>
            ))}</tbody>
          </table></div>
        )}
      </section>
      <div className="two-columns">
        <section className="card" aria-labelledby="deps">
          <h2 id="deps">Dependencies and breakers</h2>
          <ul className="list">
            {d.dependencies.map((x) => <li key={x.name}>{x.name}: <span className={`pill pill-${x.status === "up" ? "ok" : x.status === "down" ? "broken" : "disabled"}`}>{x.status}</span>{x.latencyMs !== null ? <span className="muted"> {x.latencyMs} ms</span> : null}</li>)}
            {d.breakers.map((b) => <li key={b.name}>breaker {b.name}: <span className={`pill pill-${b.state === "closed" ? "ok" : "broken"}`}>{b.state}</span></li>)}
            {d.breakers.length === 0 ? <li className="muted">No breaker has reported in this process yet.</li> : null}
          </ul>
        </section>
        <section className="card" aria-labelledby="limiter">
          <h2 id="limiter">Limiter and jobs</h2>
          <p>Emergency mode: {d.limiter.emergency ? <strong>on</strong> : "off"} · queues: {d.limiter.queues.length === 0 ? "empty" : d.limiter.queues.map((q) => `${q.priority} ${q.depth}`).join(" · ")}</p>
          <p>Jobs due {d.jobs.due} · running {d.jobs.running} · dead {d.jobs.dead}</p>
        </section>
      </div>
      <section className="card" aria-labelledby="dead">
        <h2 id="dead">Dead jobs</h2>
        {d.dead.length === 0 ? <p className="muted">No dead jobs.</p> : (
          <ul className="list">{d.dead.map((j) => (
            <li key={j.id} className="row-between"><span><code>#{j.id}</code> {j.kind} · {j.attempts} attempts · <span className="muted">{j.lastError ?? ""}</span></span>
              {d.canOperate ? <Form method="post"><CsrfInput /><input type="hidden" name="id" value={j.id} /><button type="submit" name="intent" value="retry">Retry</button></Form> : null}</li>
          ))}</ul>
        )}
      </section>
      <section className="card" aria-labelledby="alerts">
        <h2 id="alerts">Open alerts</h2>
        {d.alerts.length === 0 ? <p className="muted">No open alerts.</p> : (
          <ul className="list">{d.alerts.map((a) => (
            <li key={a.id} className="row-between"><span><span className={`severity severity-${a.severity}`}>{a.severity}</span> {a.message} <span className="muted">{ago(a.openedAt)}</span></span>
              {a.acknowledged ? <span className="muted">acknowledged</span> : d.canOperate ? <Form method="post"><CsrfInput /><input type="hidden" name="id" value={a.id} /><button type="submit" name="intent" value="ack" className="secondary">Acknowledge</button></Form> : null}</li>
          ))}</ul>
        )}
      </section>
    </section>
  )
}
