import type { MetaFunction } from "@remix-run/node"
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react"
import { publicAction, publicLoader } from "../../effect.server.js"
import { show, submit } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Sign in · Nezuko" }]

export const loader = publicLoader(show)
export const action = publicAction(submit)

export default function Login() {
  const { csrf, noAdmins, redirectTo } = useLoaderData<typeof loader>()
  const failed = useActionData<{ readonly error: string; readonly email: string }>()
  const busy = useNavigation().state === "submitting"
  return (
    <main className="centered">
      <section className="card login" aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Nezuko</h1>
        {noAdmins ? (
          <div className="notice" role="note">
            <p><strong>No panel user exists yet.</strong> Create the first Owner on the server:</p>
            <pre><code>pnpm nezuko admin create --email you@example.com --role owner</code></pre>
          </div>
        ) : null}
        {failed ? <p className="field-error" role="alert">{failed.error}</p> : null}
        <Form method="post" replace>
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="redirectTo" value={redirectTo} />
          <div className="field">
            <label htmlFor="email">Email</label>
            <input id="email" name="email" type="email" autoComplete="username" required defaultValue={failed?.email ?? ""} />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input id="password" name="password" type="password" autoComplete="current-password" required />
          </div>
          <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
        </Form>
      </section>
    </main>
  )
}
