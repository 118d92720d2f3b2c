import { Form } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"

type Errors = ReadonlyArray<{ readonly field: string; readonly message: string }> | undefined
interface Maintenance {
  readonly healthCheckedAt: string | null
  readonly lastScan: {
    readonly id: number; readonly state: string; readonly runAt: string; readonly updatedAt: string; readonly lastError: string | null
    readonly summary: { readonly checked: number; readonly not_subscribed: number; readonly errors: number; readonly mode?: string | undefined; readonly duration_ms?: number | undefined } | null
  } | null
}
interface Line { readonly user_id: number; readonly expires_at: string | null; readonly reason: string }
export interface ImportPreview {
  readonly base: string
  readonly config: string
  readonly diff: {
    readonly changes: number
    readonly settings: ReadonlyArray<{ readonly key: string; readonly from: unknown; readonly to: unknown }>
    readonly channels: { readonly link: ReadonlyArray<{ readonly chat_id: number; readonly title: string }>; readonly unlink: ReadonlyArray<{ readonly chat_id: number; readonly title: string }> }
    readonly whitelist: { readonly add: ReadonlyArray<Line>; readonly update: ReadonlyArray<Line>; readonly remove: ReadonlyArray<{ readonly user_id: number }> }
  }
}

const when = (iso: string | null) => (iso === null ? "never" : new Date(iso).toLocaleString("en-GB", { dateStyle: "short", timeStyle: "short" }))
const show = (v: unknown) => (v === null ? "—" : typeof v === "string" ? v : JSON.stringify(v))
const line = (w: Line) => `${w.user_id}${w.reason ? ` (${w.reason})` : ""}, expires ${w.expires_at === null ? "never" : when(w.expires_at)}`

function Diff({ diff }: { readonly diff: ImportPreview["diff"] }) {
  const rows: Array<[string, string]> = [
    ...diff.settings.map((s): [string, string] => [`Setting ${s.key}`, `${show(s.from)} → ${show(s.to)}`]),
    ...diff.channels.unlink.map((c): [string, string] => ["Unlink channel", `${c.title} (${c.chat_id})`]),
    ...diff.channels.link.map((c): [string, string] => ["Link channel", `${c.title} (${c.chat_id}), checked like /protect`]),
    ...diff.whitelist.add.map((w): [string, string] => ["Whitelist add", line(w)]),
    ...diff.whitelist.update.map((w): [string, string] => ["Whitelist change", line(w)]),
    ...diff.whitelist.remove.map((w): [string, string] => ["Whitelist remove", String(w.user_id)])
  ]
  if (rows.length === 0) return <p className="muted">Nothing would change: this configuration is already in place.</p>
  return (
    <div className="table-wrap">
      <table className="data-table" aria-label="Changes the import would make">
        <thead><tr><th scope="col">Change</th><th scope="col">Detail</th></tr></thead>
        <tbody>{rows.map(([what, detail], i) => <tr key={i}><td>{what}</td><td>{detail}</td></tr>)}</tbody>
      </table>
    </div>
  )
}

/**
 * PANEL-6 Maintenance: scan members (BOT-48) and re-check the bot's rights (BOT-45) are queued for the bot's
 * jobs role; export downloads the configuration; import shows its diff first and applies only on confirmation.
 */
export function MaintenanceTab({ canManage, chatId, errors, maintenance, preview }: {
  readonly chatId: number
  /** Null when the page was loaded for another tab (a form answered on this one). */
  readonly maintenance: Maintenance | null
  readonly canManage: boolean
  readonly errors: Errors
  readonly preview: ImportPreview | undefined
}) {
  const scan = maintenance?.lastScan ?? null
  return (
    <>
      {errors?.length ? <ul className="field-error" role="alert">{errors.map((e) => <li key={`${e.field}${e.message}`}>{e.field === "/" ? "" : <code>{e.field}</code>} {e.message}</li>)}</ul> : null}
      <section className="card" aria-labelledby="scan-title">
        <h2 id="scan-title">Scan members</h2>
        <p className="muted">Telegram does not let bots list members, so the scan checks the members the bot has seen in the last 30 days (admins, bots and whitelisted users excepted), 5 a second. Its effect follows the Batch scan setting.</p>
        {maintenance === null ? null : <p>Last scan: {scan === null ? "never" : <>
          {scan.state} · queued {when(scan.runAt)} · updated {when(scan.updatedAt)}
          {scan.summary ? <> · {scan.summary.checked} checked, {scan.summary.not_subscribed} not subscribed, {scan.summary.errors} errors{scan.summary.duration_ms !== undefined ? `, ${Math.round(scan.summary.duration_ms / 1000)} s` : ""}{scan.summary.mode ? ` (${scan.summary.mode})` : ""}</> : null}
          {scan.lastError ? <span className="field-error"> · {scan.lastError}</span> : null}
        </>}</p>}
        {canManage ? <Form method="post"><CsrfInput /><button type="submit" name="intent" value="scan">Scan members</button></Form> : null}
      </section>
      <section className="card" aria-labelledby="health-title">
        <h2 id="health-title">Bot rights</h2>
        <p>{maintenance === null ? "" : `Last checked: ${when(maintenance.healthCheckedAt)}. `}The bot re-checks every 6 hours; a re-check reads its rights in the group and in every linked channel now.</p>
        {canManage ? <Form method="post"><CsrfInput /><button type="submit" name="intent" value="health_check">Re-check bot rights</button></Form> : null}
      </section>
      <section className="card" aria-labelledby="config-title">
        <h2 id="config-title">Configuration</h2>
        <p><a href={`/api/v1/groups/${chatId}/export`} download>Export config as JSON</a> <span className="muted">(settings, linked channels, this group's whitelist)</span></p>
        {canManage ? (
          <Form method="post" encType="multipart/form-data" className="form-grid">
            <CsrfInput />
            <label>Import a configuration file <input type="file" name="config_file" accept="application/json,.json" /></label>
            <label>or paste it <textarea name="config" rows={6} maxLength={1_000_000} defaultValue={preview?.config ?? ""} /></label>
            <div className="actions"><button type="submit" name="intent" value="import_preview" className="secondary">Preview import</button></div>
          </Form>
        ) : null}
        {preview ? (
          <section aria-labelledby="preview-title">
            <h3 id="preview-title">Import preview ({preview.diff.changes} change{preview.diff.changes === 1 ? "" : "s"})</h3>
            <Diff diff={preview.diff} />
            {preview.diff.changes > 0 ? (
              <Form method="post">
                <CsrfInput />
                <input type="hidden" name="config" value={preview.config} />
                <input type="hidden" name="base" value={preview.base} />
                <button type="submit" name="intent" value="import_apply">Apply these changes</button>
              </Form>
            ) : null}
          </section>
        ) : null}
      </section>
    </>
  )
}
