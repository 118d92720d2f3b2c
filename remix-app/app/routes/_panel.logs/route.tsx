import type { MetaFunction } from "@remix-run/node"
import { Form, useLoaderData } from "@remix-run/react"
import { QueryErrors } from "../../components/data-table/DataTable.js"
import { effectLoader } from "../../effect.server.js"
import { type Entry, LiveLog } from "./LiveLog.js"
import { logsPage } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Live logs · Nezuko" }]

export const loader = effectLoader("read:logs:any", logsPage)

export default function LogsPage() {
  const { entries, errors, params } = useLoaderData<typeof loader>()
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Live logs</h1>
      <Form method="get" className="filters">
        <label>Level
          <select name="level" defaultValue={params.level}>{["trace", "debug", "info", "warn", "error", "fatal"].map((l) => <option key={l}>{l}</option>)}</select>
        </label>
        <label>Search <input type="search" name="q" defaultValue={params.q} placeholder="text, chat id, correlation id" /></label>
        <button type="submit">Apply</button>
      </Form>
      <QueryErrors errors={errors} />
      <p className="muted">This replica's last entries (secrets are redacted before they get here); new ones stream in.</p>
      <LiveLog key={`${params.level}|${params.q}`} initial={entries as ReadonlyArray<Entry>} level={params.level} q={params.q} />
    </section>
  )
}
