import type { MetaFunction } from "@remix-run/node"
import { Form, useActionData, useLoaderData } from "@remix-run/react"
import { Fragment } from "react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { SettingsTab } from "../_panel.groups.$chatId/SettingsTab.js"
import { saveSettingsPage, settingsPage } from "./programs.server.js"

export const meta: MetaFunction = () => [{ title: "Settings · Nezuko" }]

export const loader = effectLoader("read:settings:any", settingsPage)
export const action = effectAction("read:settings:any", saveSettingsPage, "settings.update")

type Result = { readonly section: string; readonly errors: ReadonlyArray<{ readonly field: string; readonly message: string }> }

const limitFields = [
  { key: "global_per_second", label: "Messages, all chats", unit: "messages per second (1–28)", min: 1, max: 28 },
  { key: "group_per_minute", label: "Messages per group", unit: "messages per minute (1–20)", min: 1, max: 20 },
  { key: "verification_log_days", label: "Keep the verification log", unit: "days (then removed a whole UTC month at a time)", min: 1, max: 3650 },
  { key: "audit_log_days", label: "Keep the audit log", unit: "days (at least 90)", min: 90, max: 3650 }
] as const

export default function SettingsPage() {
  const { canEdit, configuration, defaults, limits, saved } = useLoaderData<typeof loader>()
  const result = useActionData<Result>()
  const limitError = (key: string) => (result?.section === "limits" ? result.errors.find((e) => e.field === `/${key}`)?.message : undefined)
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Settings</h1>
      {saved ? <p className="notice" role="status">Saved.</p> : null}
      <h2>Limits and retention</h2>
      <Form method="post" className="card form-grid">
        <CsrfInput /><input type="hidden" name="section" value="limits" />
        {limitFields.map((f) => (
          <div className="field" key={f.key}>
            <label htmlFor={`l-${f.key}`}>{f.label}</label>
            <span className="with-unit">
              <input id={`l-${f.key}`} type="number" name={f.key} min={f.min} max={f.max} defaultValue={String(limits[f.key])} disabled={!canEdit} {...(limitError(f.key) ? { "aria-invalid": true } : {})} />
              <span className="muted">{f.unit}</span>
            </span>
            {limitError(f.key) ? <p className="field-error">{limitError(f.key)}</p> : null}
          </div>
        ))}
        <p className="muted">The bot and the panel apply new message limits within 30 seconds; retention applies at the next daily run.</p>
        {canEdit ? <div className="actions"><button type="submit">Save limits</button></div> : <p className="muted">Only Owners can change these.</p>}
      </Form>
      <h2>Defaults for new groups</h2>
      <DefaultsForm defaults={defaults} canEdit={canEdit} errors={result?.section === "defaults" ? result.errors : undefined} />
      <h2>Configuration in effect</h2>
      <p className="muted">From the environment; secrets and passwords are masked, the bot token is never shown.</p>
      <dl className="card facts">{configuration.map((c) => <Fragment key={c.key}><dt>{c.key}</dt><dd><code>{c.value}</code></dd></Fragment>)}</dl>
    </section>
  )
}

function DefaultsForm({ canEdit, defaults, errors }: { readonly defaults: unknown; readonly canEdit: boolean; readonly errors: Result["errors"] | undefined }) {
  return (
    <div className="defaults-form">
      <SettingsTab settings={{ values: defaults, updatedAt: "" }} errors={errors} saved={false} canEdit={canEdit} hidden={{ section: "defaults" }} />
    </div>
  )
}
