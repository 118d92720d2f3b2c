import { Link } from "@remix-run/react"
import type { ColumnDef } from "@tanstack/react-table"

export interface GroupRow {
  readonly chat_id: number
  readonly title: string
  readonly username: string | null
  readonly status: string
  readonly health: string
  readonly health_reason: string | null
  readonly channels: { readonly count: number; readonly health: ReadonlyArray<string> }
  readonly pending: number
  readonly checks_7d: number
  readonly member_count: number | null
  readonly protected_since: string | null
}

const healthIcon = (h: string) => (h === "ok" ? "●" : "▲")

export const groupColumns = (selectable: boolean): Array<ColumnDef<GroupRow, unknown>> => [
  ...(selectable ? [{
    id: "select",
    header: () => <span className="sr-only">Select</span>,
    cell: ({ row }) => <input type="checkbox" name="ids" value={row.original.chat_id} aria-label={`Select ${row.original.title}`} />
  } satisfies ColumnDef<GroupRow, unknown>] : []),
  {
    id: "title",
    header: "Group",
    cell: ({ row }) => (
      <div className="group-cell">
        <Link to={`/groups/${row.original.chat_id}`}>{row.original.title}</Link>
        <span className="muted">{row.original.username ? `@${row.original.username} · ` : ""}<code>{row.original.chat_id}</code></span>
      </div>
    )
  },
  {
    id: "channels",
    header: "Channels",
    cell: ({ row }) => (
      <span title={row.original.channels.health.join(", ")}>
        {row.original.channels.count}{" "}
        {row.original.channels.health.map((h, i) => <span key={i} className={`dot dot-${h}`} aria-label={h}>{healthIcon(h)}</span>)}
      </span>
    )
  },
  { id: "status", header: "Status", cell: ({ row }) => <span className={`pill pill-${row.original.status}`}>{row.original.status}</span> },
  {
    id: "health",
    header: "Health",
    cell: ({ row }) => <span className={`pill pill-${row.original.health}`} title={row.original.health_reason ?? ""}>{row.original.health}</span>
  },
  { id: "pending", header: "Pending", cell: ({ row }) => row.original.pending.toLocaleString("en") },
  { id: "checks_7d", header: "Checks 7 d", cell: ({ row }) => row.original.checks_7d.toLocaleString("en") },
  { id: "member_count", header: "Members", cell: ({ row }) => row.original.member_count?.toLocaleString("en") ?? "—" },
  { id: "protected_since", header: "Protected since", cell: ({ row }) => row.original.protected_since?.slice(0, 10) ?? "—" },
  { id: "actions", header: () => <span className="sr-only">Actions</span>, cell: ({ row }) => <Link to={`/groups/${row.original.chat_id}`}>Open</Link> }
]
