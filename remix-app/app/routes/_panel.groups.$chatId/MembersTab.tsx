import { Form } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"

type Errors = ReadonlyArray<{ readonly field: string; readonly message: string }> | undefined
interface Members {
  readonly pending: ReadonlyArray<{ readonly userId: number; readonly trigger: string; readonly missing: ReadonlyArray<number>; readonly since: string; readonly deadline: string | null; readonly owner: string }>
  readonly whitelist: ReadonlyArray<{ readonly userId: number; readonly global: boolean; readonly expiresAt: string | null; readonly reason: string | null }>
}

const when = (iso: string | null) => (iso === null ? "—" : new Date(iso).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "short" }))

/** PANEL-6 Members: users muted now with Release / Release all, and the whitelist with expiry. */
export function MembersTab({ canManage, errors, members }: { readonly members: Members; readonly canManage: boolean; readonly errors: Errors }) {
  const errorFor = (f: string) => errors?.find((e) => e.field === f)?.message
  return (
    <>
      <section className="card" aria-labelledby="pending-title">
        <div className="row-between">
          <h2 id="pending-title">Muted now ({members.pending.length})</h2>
          {canManage && members.pending.length > 0 ? (
            <Form method="post"><CsrfInput /><button type="submit" name="intent" value="release_all" className="secondary">Release all</button></Form>
          ) : null}
        </div>
        {members.pending.length === 0 ? <p className="muted">Nobody is waiting to verify.</p> : (
          <div className="table-wrap">
            <table className="data-table">
              <thead><tr><th scope="col">User</th><th scope="col">Trigger</th><th scope="col">Missing channels</th><th scope="col">Since</th><th scope="col">Deadline</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {members.pending.map((p) => (
                  <tr key={p.userId}>
                    <td><code>{p.userId}</code>{p.owner === "external" ? <span className="muted"> (muted by an admin)</span> : null}</td>
                    <td>{p.trigger}</td>
                    <td>{p.missing.map((m) => <code key={m}>{m} </code>)}</td>
                    <td>{when(p.since)}</td>
                    <td>{when(p.deadline)}</td>
                    <td>{canManage ? (
                      <Form method="post"><CsrfInput /><input type="hidden" name="user_id" value={p.userId} /><button type="submit" name="intent" value="release">Release</button></Form>
                    ) : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="whitelist-title">
        <h2 id="whitelist-title">Whitelist</h2>
        {members.whitelist.length === 0 ? <p className="muted">No whitelisted users.</p> : (
          <ul className="list">
            {members.whitelist.map((w) => (
              <li key={`${w.userId}-${w.global}`} className="row-between">
                <span><code>{w.userId}</code> {w.global ? <span className="pill">all groups</span> : null} <span className="muted">{w.reason ?? ""} · expires {when(w.expiresAt)}</span></span>
                {canManage && !w.global ? (
                  <Form method="post"><CsrfInput /><input type="hidden" name="user_id" value={w.userId} /><button type="submit" name="intent" value="whitelist_remove" className="secondary">Remove</button></Form>
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {canManage ? (
          <Form method="post" className="inline-form">
            <CsrfInput />
            <label>User id <input name="user_id" inputMode="numeric" required {...(errorFor("/user_id") ? { "aria-invalid": true } : {})} /></label>
            <label>Reason <input name="reason" maxLength={200} /></label>
            <label>Expires after <input name="expires_days" type="number" min={1} max={3650} placeholder="never" /> days</label>
            <button type="submit" name="intent" value="whitelist_add">Add to whitelist</button>
            {errorFor("/user_id") ? <p className="field-error">{errorFor("/user_id")}</p> : null}
          </Form>
        ) : null}
      </section>
    </>
  )
}
