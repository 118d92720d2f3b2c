import type { MetaFunction } from "@remix-run/node"
import { Form, useLoaderData, useLocation } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { DataTable, Pagination, QueryErrors } from "../../components/data-table/DataTable.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { groupColumns } from "./columns.js"
import { bulk, list } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Groups · Nezuko" }]

export const loader = effectLoader("read:panel:any", list)
export const action = effectAction("update:group:any", bulk, "group.bulk")

const sortable = ["title", "pending", "checks_7d", "health", "member_count", "created_at"]

export default function GroupsPage() {
  const { bulk: notice, canEdit, errors, meta, params, rows } = useLoaderData<typeof loader>()
  const { search } = useLocation()
  const back = new URLSearchParams(search)
  back.delete("bulk")
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Groups</h1>
      <Form method="get" className="filters" role="search">
        <label>Search <input type="search" name="q" defaultValue={params.q} placeholder="title, @username or chat id" /></label>
        <label>Status
          <select name="status" defaultValue={params.status}>
            {["all", "protected", "disabled", "removed"].map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>Health
          <select name="health" defaultValue={params.health}>
            {["any", "ok", "degraded", "broken"].map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>Per page
          <select name="per_page" defaultValue={String(params.per_page)}>
            {[10, 25, 50, 100].map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <input type="hidden" name="sort" value={params.sort} />
        <input type="hidden" name="order" value={params.order} />
        <button type="submit">Apply</button>
      </Form>
      <QueryErrors errors={errors} />
      {notice ? <p className="notice" role="status">{notice}</p> : null}
      <Form method="post" id="bulk">
        <CsrfInput />
        <input type="hidden" name="back" value={back.toString()} />
        {canEdit ? (
          <div className="bulk-actions">
            <span className="muted">With the selected groups:</span>
            <button type="submit" name="intent" value="enable">Enable protection</button>
            <button type="submit" name="intent" value="disable" className="secondary">Disable protection</button>
          </div>
        ) : null}
        <DataTable
          caption="Groups"
          columns={groupColumns(canEdit)}
          data={rows}
          empty={params.q !== "" || params.status !== "all" || params.health !== "any" ? "No group matches these filters." : "No groups yet: add the bot to a group and send /protect there."}
          sort={params.sort}
          order={params.order}
          sortable={sortable}
        />
      </Form>
      <Pagination meta={meta} />
    </section>
  )
}
