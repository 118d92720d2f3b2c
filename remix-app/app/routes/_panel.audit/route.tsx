import type { MetaFunction } from "@remix-run/node"
import { Form, useLoaderData, useLocation } from "@remix-run/react"
import { Pagination, QueryErrors } from "../../components/data-table/DataTable.js"
import { effectLoader } from "../../effect.server.js"
import { auditPage } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Audit log · Nezuko" }]

export const loader = effectLoader("read:audit:own", auditPage)

const json = (v: unknown) => (v === null ? "—" : JSON.stringify(v, null, 2))

export default function AuditPage() {
  const { errors, everything, filters, meta, rows } = useLoaderData<typeof loader>()
  const { search } = useLocation()
  const csv = new URLSearchParams(search)
  csv.set("format", "csv")
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Audit log</h1>
      <p className="muted">{everything ? "Every change, by anyone." : "Your own actions (Owners see everyone's)."}</p>
      <Form method="get" className="filters">
        <label>Actor <input name="actor" defaultValue={filters.actor} placeholder="email, tg id or type" /></label>
        <label>Action starts with <input name="action" defaultValue={filters.action} placeholder="group." /></label>
        <label>Resource type <input name="resource_type" defaultValue={filters.resource_type} /></label>
        <label>Resource id <input name="resource_id" defaultValue={filters.resource_id} /></label>
        <label>Outcome
          <select name="outcome" defaultValue={filters.outcome}><option value="">any</option><option>success</option><option>denied</option><option>failed</option></select>
        </label>
        <label>From <input type="date" name="from" defaultValue={filters.from} /></label>
        <label>To <input type="date" name="to" defaultValue={filters.to} /></label>
        <label>Per page <select name="per_page" defaultValue={String(filters.per_page)}>{[20, 50, 100].map((n) => <option key={n}>{n}</option>)}</select></label>
        <button type="submit">Filter</button>
        {everything ? <a href={`/api/v1/audit?${csv.toString()}`} download>Export CSV</a> : null}
      </Form>
      <QueryErrors errors={errors} />
      {rows.length === 0 ? <div className="card empty"><p>No audit entries match.</p></div> : (
        <ul className="list audit-list">
          {rows.map((r) => (
            <li key={r.id} className="card">
              <details>
                <summary>
                  <time dateTime={r.at}>{new Date(r.at).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "medium" })}</time>{" "}
                  <strong>{r.actor}</strong> <code>{r.action}</code> {r.resource} <span className={`pill pill-${r.outcome === "success" ? "ok" : "broken"}`}>{r.outcome}</span>
                </summary>
                <div className="two-columns">
                  <div><h3>Old value</h3><pre className="json">{json(r.oldValue)}</pre></div>
                  <div><h3>New value</h3><pre className="json">{json(r.newValue)}</pre></div>
                </div>
                <p className="muted">IP {r.ip ?? "—"} · request <code>{r.requestId ?? "—"}</code>{r.clientUa ? ` · ${r.clientUa}` : ""}</p>
              </details>
            </li>
          ))}
        </ul>
      )}
      <Pagination meta={meta} />
    </section>
  )
}
