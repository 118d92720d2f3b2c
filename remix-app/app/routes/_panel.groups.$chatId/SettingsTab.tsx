import { Form, useNavigation } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { type FieldSpec, settingsFields } from "./fields.js"

type Values = Record<string, string | number | boolean | null>
type Errors = ReadonlyArray<{ readonly field: string; readonly message: string }> | undefined

function Field({ error, field, value, disabled }: { readonly field: FieldSpec; readonly value: unknown; readonly error: string | undefined; readonly disabled: boolean }) {
  const id = `f-${field.key}`
  const described = { ...(error ? { "aria-invalid": true, "aria-describedby": `${id}-error` } : {}), disabled }
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

/** PANEL-7: every BOT-18 key with its range; read-only for roles that may not edit. */
export function SettingsTab({ canEdit, errors, hidden, saved, settings }: {
  readonly settings: { readonly values: unknown; readonly updatedAt: string } | null
  readonly hidden?: Record<string, string>
  readonly errors: Errors
  readonly saved: boolean
  readonly canEdit: boolean
}) {
  const busy = useNavigation().state === "submitting"
  const errorFor = (key: string) => errors?.find((e) => e.field === `/${key}`)?.message
  if (settings === null) return <div className="card empty"><p>This group has no settings yet: they are created when protection is first enabled.</p></div>
  return (
    <>
      {saved ? <p className="notice" role="status">Settings saved.</p> : null}
      {errors?.length ? <p className="field-error" role="alert">Some settings are invalid; see below.</p> : null}
      <Form method="post" className="card form-grid">
        <CsrfInput />
        {settings.updatedAt === "" ? null : <input type="hidden" name="updated_at" value={settings.updatedAt} />}
        {Object.entries(hidden ?? {}).map(([k, v]) => <input key={k} type="hidden" name={k} value={v} />)}
        {settingsFields.map((field) => (
          <Field key={field.key} field={field} value={(settings.values as Values)[field.key]} error={errorFor(field.key)} disabled={!canEdit} />
        ))}
        {canEdit ? (
          <div className="actions">
            <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save settings"}</button>
          </div>
        ) : <p className="muted">Your role can view these settings but not change them.</p>}
      </Form>
    </>
  )
}
