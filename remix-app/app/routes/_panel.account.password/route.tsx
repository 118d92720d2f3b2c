import type { MetaFunction } from "@remix-run/node"
import { Form, useActionData, useLoaderData } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { change, show } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Change password · Nezuko" }]

export const loader = effectLoader("update:account:own", show)
export const action = effectAction("update:account:own", change, "auth.password_change")

const inputs = [
  { name: "current_password", label: "Current password", autoComplete: "current-password" },
  { name: "new_password", label: "New password (12–128 characters)", autoComplete: "new-password" },
  { name: "confirm_password", label: "New password again", autoComplete: "new-password" }
] as const

export default function ChangePassword() {
  const { forced } = useLoaderData<typeof loader>()
  const result = useActionData<{ readonly errors: ReadonlyArray<{ readonly field: string; readonly message: string }> }>()
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Change password</h1>
      {forced ? <p className="notice" role="status">Choose a new password before you continue.</p> : null}
      <Form method="post" className="card narrow">
        <CsrfInput />
        {inputs.map((i) => {
          const error = result?.errors.find((e) => e.field === `/${i.name}`)?.message
          return (
            <div className="field" key={i.name}>
              <label htmlFor={i.name}>{i.label}</label>
              <input id={i.name} name={i.name} type="password" autoComplete={i.autoComplete} required
                {...(error ? { "aria-invalid": true, "aria-describedby": `${i.name}-error` } : {})} />
              {error ? <p className="field-error" id={`${i.name}-error`}>{error}</p> : null}
            </div>
          )
        })}
        <button type="submit">Change password</button>
      </Form>
    </section>
  )
}
