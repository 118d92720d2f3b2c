import { Form } from "@remix-run/react"
import { type Meta, Pagination, QueryErrors } from "../../components/data-table/DataTable.js"

interface Decisions {
  readonly errors: ReadonlyArray<{ readonly field: string; readonly message: string }>
  readonly meta: Meta
  readonly filters: { readonly decision: string; readonly trigger: string; readonly user: string }
  readonly rows: ReadonlyArray<{
    readonly id: number; readonly at: string; readonly userId: number | null; readonly senderChatId: number | null; readonly trigger: string
    readonly decision: string; readonly reason: string | null; readonly channelIds: ReadonlyArray<number>; readonly missingChannelIds: ReadonlyArray<number>
    readonly cached: boolean | null; readonly latencyMs: number | null; readonly errorCode: string | null; readonly correlationId: string | null
  }>
}

const decisions = ["pass", "exempt", "restrict", "still_missing", "verify", "release", "kick", "ban", "approve", "decline", "deferred", "dry_run"]
const triggers = ["message", "join", "join_request", "button", "leave", "rejoin", "batch", "timeout", "manual"]

/** PANEL-6 Decisions: the group's verification log; each row says why (reason, channels, cache, latency). */
export function DecisionsTab({ decisions: d }: { readonly decisions: Decisions }) {
  return (
    <>
      <Form method="get" className="filters">
        <input type="hidden" name="tab" value="decisions" />
        <label>Decision <select name="decision" defaultValue={d.filters.decision}><option value="">any</option>{decisions.map((x) => <option key={x}>{x}</option>)}</select></label>
        <label>Trigger <select name="trigger" defaultValue={d.filters.trigger}><option value="">any</option>{triggers.map((x) => <option key={x}>{x}</option>)}</select></label>
        <label>User id <input name="user" inputMode="numeric" defaultValue={d.filters.user} /></label>
        <button type="submit">Filter</button>
      </Form>
      <QueryErrors errors={d.errors} />
      {d.rows.length === 0 ? <div className="card empty"><p>No decisions match.</p></div> : (
        <div className="table-wrap">
          <table className="data-table">
            <thead><tr><th scope="col">When</th><th scope="col">User</th><th scope="col">Trigger</th><th scope="col">Decision</th><th scope="col">Why</th></tr></thead>
            <tbody>
              {d.rows.map((r) => (
                <tr key={r.id}>
                  <td><time dateTime={r.at}>{new Date(r.at).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "medium" })}</time></td>
                  <td>{r.userId !== null ? <code>{r.userId}</code> : r.senderChatId !== null ? <>as chat <code>{r.senderChatId}</code></> : "—"}</td>
                  <td>{r.trigger}</td>
                  <td><span className={`tag tag-${r.decision}`}>{r.decision}</span></td>
                  <td className="why">
                    {r.reason ? <span>{r.reason.replace(/_/g, " ")}</span> : null}
                    {r.channelIds.length > 0 ? <span className="muted"> · checked {r.channelIds.join(", ")}</span> : null}
                    {r.missingChannelIds.length > 0 ? <span> · missing {r.missingChannelIds.join(", ")}</span> : null}
                    {r.cached !== null ? <span className="muted"> · {r.cached ? "from cache" : "fresh check"}</span> : null}
                    {r.latencyMs !== null ? <span className="muted"> · {r.latencyMs} ms</span> : null}
                    {r.errorCode ? <span className="field-error"> · error {r.errorCode}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pagination meta={d.meta} />
    </>
  )
}
