import type { MetaFunction } from "@remix-run/node"
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react"
import type { ColumnDef } from "@tanstack/react-table"
import { CsrfInput } from "../../components/CsrfInput.js"
import { DataTable, Pagination, QueryErrors } from "../../components/data-table/DataTable.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { addChannelForm, channelsPage, type channelRowJson } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Channels · Nezuko" }]

export const loader = effectLoader("read:panel:any", channelsPage)
export const action = effectAction("update:channel:any", addChannelForm, "channel.create")

type Row = ReturnType<typeof channelRowJson>
const columns: Array<ColumnDef<Row, unknown>> = [
  { id: "title", header: "Channel", cell: ({ row }) => <div className="group-cell"><Link to={`/channels/${row.original.chat_id}`}>{row.original.title}</Link><span className="muted">{row.original.username ? `@${row.original.username} · ` : ""}<code>{row.original.chat_id}</code></span></div> },
  { id: "health", header: "Health", cell: ({ row }) => <span className={`pill pill-${row.original.health}`} title={row.original.health_reason ?? ""}>{row.original.health}</span> },
  { id: "bot", header: "Bot rights", cell: ({ row }) => row.original.bot_status ?? "unknown" },
  { id: "linked_groups", header: "Groups", cell: ({ row }) => row.original.linked_groups },
  { id: "subscribers", header: "Subscribers", cell: ({ row }) => row.original.subscriber_count?.toLocaleString("en") ?? "—" },
  { id: "created_at", header: "Added", cell: ({ row }) => row.original.created_at.slice(0, 10) }
]

export default function ChannelsPage() {
  const { canEdit, errors, meta, notice, params, rows } = useLoaderData<typeof loader>()
  const addError = useActionData<{ readonly errors?: ReadonlyArray<{ readonly message: string }> }>()?.errors?.[0]?.message
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Channels</h1>
      {notice ? <p className="notice" role="status">{notice}</p> : null}
      {canEdit ? (
        <Form method="post" className="card inline-form">
          <CsrfInput />
          <label htmlFor="add-channel">Add channel</label>
          <input id="add-channel" name="channel" placeholder="@channel, t.me/channel or -100…" required maxLength={200} {...(addError ? { "aria-invalid": true, "aria-describedby": "add-channel-error" } : {})} />
          <button type="submit">Add channel</button>
          {addError ? <p className="field-error" id="add-channel-error">{addError}</p> : null}
          <p className="muted">Checked like /protect: the bot must be an administrator of the channel.</p>
        </Form>
      ) : null}
      <Form method="get" className="filters" role="search">
        <label>Search <input type="search" name="q" defaultValue={params.q} placeholder="title, @username or id" /></label>
        <label>Per page <select name="per_page" defaultValue={String(params.per_page)}>{[10, 25, 50, 100].map((n) => <option key={n}>{n}</option>)}</select></label>
        <input type="hidden" name="sort" value={params.sort} /><input type="hidden" name="order" value={params.order} />
        <button type="submit">Apply</button>
      </Form>
      <QueryErrors errors={errors} />
      <DataTable caption="Channels" columns={columns} data={rows} sort={params.sort} order={params.order} sortable={["title", "linked_groups", "subscribers", "created_at"]}
        empty={params.q === "" ? "No channels yet: they appear when a group is protected with /protect or linked here." : "No channel matches."} />
      <Pagination meta={meta} />
    </section>
  )
}
