import type { MetaFunction } from "@remix-run/node"
import { Form, Link, useLoaderData } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { act, show } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Account · Nezuko" }]

export const loader = effectLoader("update:account:own", show)
export const action = effectAction("update:account:own", act)

const when = (iso: string) => new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC"

export default function Account() {
  const { me, signIns } = useLoaderData<typeof loader>()
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Account</h1>
      <div className="card">
        <p><strong>{me.displayName ?? me.email}</strong> · {me.email} · {me.role}</p>
        <p><Link to="/account/password">Change your password</Link></p>
      </div>
      <h2>Your sign-ins</h2>
      {signIns.length === 0 ? <p className="muted">No active sign-ins.</p> : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr><th scope="col">Signed in</th><th scope="col">Last used</th><th scope="col">IP</th><th scope="col">Device</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
            </thead>
            <tbody>
              {signIns.map((s) => (
                <tr key={s.familyId}>
                  <td>{when(s.createdAt)}{s.current ? <span className="badge">this browser</span> : null}</td>
                  <td>{when(s.lastUsedAt)}</td>
                  <td>{s.ip ?? "—"}</td>
                  <td className="ua">{s.device ?? "—"}</td>
                  <td>
                    <Form method="post">
                      <CsrfInput />
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="familyId" value={s.familyId} />
                      <button type="submit" className="secondary">Revoke</button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Form method="post" className="actions">
        <CsrfInput />
        <input type="hidden" name="intent" value="revoke-all" />
        <button type="submit" className="danger">Sign out everywhere</button>
      </Form>
    </section>
  )
}
