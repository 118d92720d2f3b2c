import type { MetaFunction } from "@remix-run/node"
import { Form, useActionData, useLoaderData } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { adminsAction, adminsPage } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Admins · Nezuko" }]

export const loader = effectLoader("manage:admins:any", adminsPage)
export const action = effectAction("manage:admins:any", adminsAction, (form) => `admin.${String(form.get("intent") ?? "update")}`)

type Result = { readonly intent: string; readonly errors: ReadonlyArray<{ readonly field: string; readonly message: string }>; readonly password: { readonly email: string; readonly value: string } | null }

function Row({ admin, me }: { readonly admin: ReturnType<typeof useLoaderData<typeof loader>>["admins"][number]; readonly me: string }) {
  const button = (intent: string, label: string, secondary = true) => (
    <Form method="post" className="inline">
      <CsrfInput /><input type="hidden" name="id" value={admin.id} />
      <button type="submit" name="intent" value={intent} className={secondary ? "secondary" : undefined}>{label}</button>
    </Form>
  )
  return (
    <tr>
      <td>{admin.email}{admin.id === me ? <span className="muted"> (you)</span> : null}</td>
      <td>{admin.displayName ?? "—"}</td>
      <td>
        <Form method="post" className="inline">
          <CsrfInput /><input type="hidden" name="id" value={admin.id} /><input type="hidden" name="intent" value="role" />
          <select name="role" defaultValue={admin.role} aria-label={`Role of ${admin.email}`}>{["owner", "admin", "viewer"].map((r) => <option key={r}>{r}</option>)}</select>
          <button type="submit" className="secondary">Change</button>
        </Form>
      </td>
      <td>{admin.isActive ? "active" : <span className="pill pill-disabled">deactivated</span>}</td>
      <td>{admin.lastLoginAt ? new Date(admin.lastLoginAt).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "short" }) : "never"}</td>
      <td>{admin.locked ? <span className="pill pill-broken">locked</span> : "—"}</td>
      <td className="actions-cell">
        {admin.isActive ? button("deactivate", "Deactivate") : button("reactivate", "Reactivate")}
        {button("reset", "Reset password")}
        {admin.locked ? button("unlock", "Unlock") : null}
      </td>
    </tr>
  )
}

export default function AdminsPage() {
  const { admins, meId, notice } = useLoaderData<typeof loader>()
  const result = useActionData<Result>()
  const errorFor = (f: string) => result?.errors.find((e) => e.field === f)?.message
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Admins</h1>
      {notice ? <p className="notice" role="status">{notice}</p> : null}
      {result?.password ? (
        <p className="notice" role="status">One-time password for {result.password.email}: <code>{result.password.value}</code> — shown once; they must change it at first sign-in.</p>
      ) : null}
      {result?.errors.length && result.intent !== "create" ? <p className="field-error" role="alert">{result.errors[0]?.message}</p> : null}
      <div className="table-wrap card">
        <table className="data-table">
          <thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Last sign-in</th><th scope="col">Locked</th><th scope="col">Actions</th></tr></thead>
          <tbody>{admins.map((a) => <Row key={a.id} admin={a} me={meId} />)}</tbody>
        </table>
      </div>
      <Form method="post" className="card inline-form">
        <h2>Create a panel user</h2>
        <CsrfInput />
        <label>Email <input name="email" type="email" required {...(errorFor("/email") ? { "aria-invalid": true } : {})} /></label>
        <label>Name <input name="name" maxLength={100} /></label>
        <label>Role <select name="role" defaultValue="viewer">{["viewer", "admin", "owner"].map((r) => <option key={r}>{r}</option>)}</select></label>
        <label>Password <input name="password" type="password" autoComplete="new-password" placeholder="leave empty to generate one" {...(errorFor("/password") ? { "aria-invalid": true } : {})} /></label>
        <button type="submit" name="intent" value="create">Create</button>
        {result?.intent === "create" ? result.errors.map((e) => <p key={e.field} className="field-error">{e.field.slice(1)}: {e.message}</p>) : null}
      </Form>
    </section>
  )
}
