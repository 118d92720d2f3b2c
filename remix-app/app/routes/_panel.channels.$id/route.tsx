import type { MetaFunction } from "@remix-run/node"
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { auditNameOf, channelAction, channelPage } from "./programs.server.js"

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.channel.title ?? "Channel"} · Nezuko` }]

export const loader = effectLoader("read:panel:any", channelPage)
export const action = effectAction("update:channel:any", channelAction, auditNameOf)

export default function ChannelPage() {
  const { canEdit, channel: c, groups, notice } = useLoaderData<typeof loader>()
  const result = useActionData<{ readonly intent?: string; readonly errors?: ReadonlyArray<{ readonly message: string }> }>()
  const linkError = result?.intent === "invite_link" ? result.errors?.[0]?.message : undefined
  const deleteError = result?.intent === "delete" ? result.errors?.[0]?.message : undefined
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{c.title}</h1>
      <p className="muted">{c.username ? `@${c.username} · ` : ""}<code>{c.chatId}</code> · <span className={`pill pill-${c.health}`}>{c.health}</span>{c.healthReason ? ` — ${c.healthReason}` : ""}</p>
      {notice ? <p className="notice" role="status">{notice}</p> : null}
      {deleteError ? <p className="field-error" role="alert">{deleteError}</p> : null}
      <dl className="card facts">
        <dt>Bot status</dt><dd>{c.botStatus ?? "unknown"}</dd>
        <dt>Subscribers</dt><dd>{c.subscriberCount?.toLocaleString("en") ?? "—"}</dd>
        <dt>Join link</dt><dd>{c.username ? `https://t.me/${c.username}` : c.inviteLink ?? "none"}{c.inviteLinkByBot ? " (created by the bot)" : ""}</dd>
        <dt>Last synced</dt><dd>{c.lastSyncedAt ? new Date(c.lastSyncedAt).toLocaleString("en-GB") : "never"}</dd>
      </dl>
      {canEdit ? (
        <div className="card row-between">
          <Form method="post">
            <CsrfInput />
            <button type="submit" name="intent" value="refresh">Refresh from Telegram</button>
            <p className="muted">Reads the title, username and subscribers, and checks that the bot is still an administrator.</p>
          </Form>
          {groups.length === 0 ? (
            <Form method="post" onSubmit={(e) => { if (!confirm(`Delete ${c.title} from Nezuko? No group requires it.`)) e.preventDefault() }}>
              <CsrfInput />
              <button type="submit" name="intent" value="delete" className="secondary">Delete channel</button>
            </Form>
          ) : <p className="muted">Linked channels can't be deleted: unlink it from its groups first.</p>}
        </div>
      ) : null}
      <section className="card" aria-labelledby="groups-title">
        <h2 id="groups-title">Groups requiring it ({groups.length})</h2>
        {groups.length === 0 ? <p className="muted">No group requires this channel.</p> : (
          <ul className="list">{groups.map((g) => <li key={g.chatId}><Link to={`/groups/${g.chatId}`}>{g.title}</Link> <span className={`pill pill-${g.enabled ? "protected" : "disabled"}`}>{g.enabled ? "protected" : "disabled"}</span></li>)}</ul>
        )}
      </section>
      {canEdit && c.username === null ? (
        <Form method="post" className="card inline-form">
          <CsrfInput />
          <label>Invite link override <input name="invite_link" defaultValue={c.inviteLink ?? ""} placeholder="https://t.me/+…" {...(linkError ? { "aria-invalid": true, "aria-describedby": "invite-link-error" } : {})} /></label>
          {linkError ? <p className="field-error" id="invite-link-error">{linkError}</p> : null}
          <button type="submit" name="intent" value="invite_link">Save link</button>
        </Form>
      ) : null}
    </section>
  )
}
