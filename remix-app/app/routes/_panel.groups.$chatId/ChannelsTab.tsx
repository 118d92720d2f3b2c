import { Form } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"

type Errors = ReadonlyArray<{ readonly field: string; readonly message: string }> | undefined
interface LinkedChannel { readonly chatId: number; readonly title: string; readonly username: string | null; readonly inviteLink: string | null; readonly health: string; readonly healthReason: string | null }

/** PANEL-6 Channels: linked channels with health and link; link by @username or id with BOT-13's checks. */
export function ChannelsTab({ canEdit, channels, errors }: { readonly channels: ReadonlyArray<LinkedChannel>; readonly canEdit: boolean; readonly errors: Errors }) {
  const linkError = errors?.find((e) => e.field === "/channel")?.message
  return (
    <>
      {channels.length === 0 ? <div className="card empty"><p>No channel is linked: members are not asked to join anything.</p></div> : (
        <ul className="card list">
          {channels.map((c) => (
            <li key={c.chatId} className="row-between">
              <span>
                <a href={`/channels/${c.chatId}`}>{c.title}</a>{" "}
                <span className="muted">{c.username ? `@${c.username} · ` : ""}<code>{c.chatId}</code></span>{" "}
                <span className={`pill pill-${c.health}`} title={c.healthReason ?? ""}>{c.health}</span>{" "}
                {c.inviteLink ?? (c.username ? `https://t.me/${c.username}` : null) ? <a className="muted" href={c.inviteLink ?? `https://t.me/${c.username ?? ""}`} rel="noreferrer">join link</a> : null}
              </span>
              {canEdit ? (
                <Form method="post" onSubmit={(e) => { if (!confirm(`Unlink ${c.title}? Members will no longer need to join it.`)) e.preventDefault() }}>
                  <CsrfInput />
                  <input type="hidden" name="channel_id" value={c.chatId} />
                  <button type="submit" name="intent" value="unlink" className="secondary">Unlink</button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {canEdit ? (
        <Form method="post" className="card inline-form">
          <CsrfInput />
          <label htmlFor="link-channel">Link a channel</label>
          <input id="link-channel" name="channel" placeholder="@channel or -100…" required maxLength={200} {...(linkError ? { "aria-invalid": true, "aria-describedby": "link-error" } : {})} />
          <button type="submit" name="intent" value="link">Link channel</button>
          {linkError ? <p className="field-error" id="link-error">{linkError}</p> : null}
          <p className="muted">Checked like /protect: the bot must be an admin there and able to see members and share an invite link.</p>
        </Form>
      ) : null}
    </>
  )
}
