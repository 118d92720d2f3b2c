import { type ColumnDef, flexRender, getCoreRowModel, type SortingState, useReactTable } from "@tanstack/react-table"
import { Link, useLocation } from "@remix-run/react"

/** A link to the same page with some query parameters replaced (the URL is the table's state, PANEL-1). */
export const useHrefWith = () => {
  const { pathname, search } = useLocation()
  return (changes: Record<string, string | number | null>) => {
    const params = new URLSearchParams(search)
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") params.delete(k)
      else params.set(k, String(v))
    }
    const query = params.toString()
    return query === "" ? pathname : `${pathname}?${query}`
  }
}

export interface Meta { readonly page: number; readonly per_page: number; readonly total_items: number; readonly total_pages: number }

/**
 * TanStack Table in manual mode: the server has sorted and paged the rows already; headers of sortable
 * columns are links that change `sort`/`order` in the URL, so everything works without JavaScript.
 */
export function DataTable<Row>({ caption, columns, data, empty, sort, order, sortable }: {
  readonly caption: string
  readonly columns: Array<ColumnDef<Row, unknown>>
  readonly data: ReadonlyArray<Row>
  readonly empty: string
  readonly sort?: string
  readonly order?: "asc" | "desc"
  readonly sortable?: ReadonlyArray<string>
}) {
  const hrefWith = useHrefWith()
  const sorting: SortingState = sort === undefined ? [] : [{ id: sort, desc: order !== "asc" }]
  const table = useReactTable({
    data: data as Array<Row>, columns, state: { sorting }, manualPagination: true, manualSorting: true, manualFiltering: true,
    getCoreRowModel: getCoreRowModel()
  })
  return (
    <div className="table-wrap">
      <table className="data-table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const id = header.column.id
                const label = header.isPlaceholder ? null : flexRender(header.column.columnDef.header, header.getContext())
                const active = sort === id
                const ariaSort = active ? (order === "asc" ? "ascending" : "descending") : undefined
                return (
                  <th key={header.id} scope="col" {...(ariaSort ? { "aria-sort": ariaSort } : {})}>
                    {sortable?.includes(id)
                      ? <Link to={hrefWith({ sort: id, order: active && order === "desc" ? "asc" : "desc", page: null })}>{label}{active ? (order === "asc" ? " ▲" : " ▼") : ""}</Link>
                      : label}
                  </th>
                )
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.length === 0 ? (
            <tr><td colSpan={columns.length} className="empty-cell">{empty}</td></tr>
          ) : table.getRowModel().rows.map((row) => (
            <tr key={row.id}>
              {row.getVisibleCells().map((cell) => <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Previous/next and "page x of y", as links. */
export function Pagination({ meta }: { readonly meta: Meta }) {
  const hrefWith = useHrefWith()
  return (
    <nav className="pagination" aria-label="Pages">
      {meta.page > 1 ? <Link to={hrefWith({ page: meta.page - 1 })} rel="prev">← Previous</Link> : <span className="muted">← Previous</span>}
      <span>Page {meta.page} of {meta.total_pages} · {meta.total_items.toLocaleString("en")} in all</span>
      {meta.page < meta.total_pages ? <Link to={hrefWith({ page: meta.page + 1 })} rel="next">Next →</Link> : <span className="muted">Next →</span>}
    </nav>
  )
}

/** The "invalid parameters, defaults shown" notice of PANEL-5. */
export function QueryErrors({ errors }: { readonly errors: ReadonlyArray<{ readonly field: string; readonly message: string }> }) {
  if (errors.length === 0) return null
  return (
    <p className="field-error" role="alert">
      Some filters were invalid and the defaults apply: {errors.map((e) => `${e.field.slice(1)} (${e.message})`).join("; ")}
    </p>
  )
}
