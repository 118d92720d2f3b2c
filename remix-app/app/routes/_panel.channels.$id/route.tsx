import type { MetaFunction } from "@remix-run/node"
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { channelPage, setInviteLink } from "./programs.server.js"

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.channel.title ?? "Channel"} · Nezuko` }]

export const loader = effectLoader("read:panel:any", channelPage)
export const action = effectAction("update:channel:any", setInviteLink, "channel.invite_link")

export default function ChannelPage() {
  const { canEdit, channel: c, groups, notice } = useLoaderData<typeof loader>()
  const error = useActionData<{ readonly errors?: ReadonlyArray<{ readonly message: string }> }>()?.errors?.[0]?.message
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">{c.title}</h1>
      <p className="muted">{c.username ? `@${c.username} · ` : ""}<code>{c.chatId}</code> · <span className={`pill pill-${c.health}`}>{c.health}</span>{c.healthReason ? ` — ${c.healthReason}` : ""}</p>
      {notice ? <p className="notice" role="status">{notice}</p> : null}
      <dl className="card facts">
        <dt>Bot status</dt><dd>{c.botStatus ?? "unknown"}</dd>
        <dt>Subscribers</dt><dd>{c.subscriberCount?.toLocaleString("en") ?? "—"}</dd>
        <dt>Join link</dt><dd>{c.username ? `https://t.me/${c.username}` : c.inviteLink ?? "none"}{c.inviteLinkByBot ? " (created by the bot)" : ""}</dd>
        <dt>Last synced</dt><dd>{c.lastSyncedAt ? new Date(c.lastSyncedAt).toLocaleString("en-GB") : "never"}</dd>
      </dl>
      <section className="card" aria-labelledby="groups-title">
        <h2 id="groups-title">Groups requiring it ({groups.length})</h2>
        {groups.length === 0 ? <p className="muted">No group requires this channel.</p> : (
          <ul className="list">{groups.map((g) => <li key={g.chatId}><Link to={`/groups/${g.chatId}`}>{g.title}</Link> <span className={`pill pill-${g.enabled ? "protected" : "disabled"}`}>{g.enabled ? "protected" : "disabled"}</span></li>)}</ul>
        )}
      </section>
      {canEdit && c.username === null ? (
        <Form method="post" className="card inline-form">
          <CsrfInput />
          <label>Invite link override <input name="invite_link" defaultValue={c.inviteLink ?? ""} placeholder="https://t.me/+…" {...(error ? { "aria-invalid": true } : {})} /></label>
          {error ? <p className="field-error">{error}</p> : null}
          <button type="submit">Save link</button>
        </Form>
      ) : null}
    </section>
  )
}
