import type { MetaFunction } from "@remix-run/node"
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { type FieldSpec, settingsFields } from "./fields.js"
import { save, show } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Group settings · Nezuko" }]

export const loader = effectLoader("read:panel:any", show)
export const action = effectAction("update:group:any", save, "group.settings.update")

type Values = Record<string, string | number | boolean | null>

function Field({ error, field, value }: { readonly field: FieldSpec; readonly value: unknown; readonly error: string | undefined }) {
  const id = `f-${field.key}`
  const described = error ? { "aria-invalid": true, "aria-describedby": `${id}-error` } : {}
  const control = (() => {
    switch (field.kind) {
      case "boolean":
        return <input id={id} type="checkbox" name={field.key} defaultChecked={value === true} {...described} />
      case "choice":
        return (
          <select id={id} name={field.key} defaultValue={String(value)} {...described}>
            {field.options.map((o) => <option key={o} value={o}>{o.replace(/_/g, " ")}</option>)}
          </select>
        )
      case "int":
        return (
          <span className="with-unit">
            <input id={id} type="number" name={field.key} min={field.min} max={field.max} defaultValue={String(value)} {...described} />
            <span className="muted">{field.unit} ({field.min}–{field.max})</span>
          </span>
        )
      case "text":
        return <input id={id} type="text" name={field.key} maxLength={field.max} defaultValue={value === null ? "" : String(value)} {...described} />
      case "chat":
        return <input id={id} type="text" inputMode="numeric" name={field.key} defaultValue={value === null ? "" : String(value)} {...described} />
    }
  })()
  return (
    <div className={`field field-${field.kind}`}>
      <label htmlFor={id}>{field.label}</label>
      {control}
      {error ? <p className="field-error" id={`${id}-error`}>{error}</p> : null}
    </div>
  )
}

export default function GroupSettingsPage() {
  const { group, saved, settings } = useLoaderData<typeof loader>()
  const result = useActionData<{ readonly errors?: ReadonlyArray<{ readonly field: string; readonly message: string }> }>()
  const busy = useNavigation().state === "submitting"
  const errorFor = (key: string) => result?.errors?.find((e) => e.field === `/${key}`)?.message
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{group.title}</h1>
      <p className="muted">
        {group.username ? `@${group.username} · ` : ""}<code>{group.chatId}</code> · {group.enabled ? "protected" : "not protected"} · health {group.health}
      </p>
      <p className="badge">The other tabs (overview, channels, members, decisions, maintenance) come with the next release.</p>
      {saved ? <p className="notice" role="status">Settings saved.</p> : null}
      {result?.errors?.length ? <p className="field-error" role="alert">Some settings are invalid; see below.</p> : null}
      {settings === null ? (
        <div className="card empty"><p>This group has no settings yet: they are created when protection is first enabled.</p></div>
      ) : (
        <Form method="post" className="card form-grid">
          <CsrfInput />
          <input type="hidden" name="updated_at" value={settings.updatedAt} />
          {settingsFields.map((field) => (
            <Field key={field.key} field={field} value={(settings.values as Values)[field.key]} error={errorFor(field.key)} />
          ))}
          <div className="actions">
            <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save settings"}</button>
          </div>
        </Form>
      )}
    </section>
  )
}
