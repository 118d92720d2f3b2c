import { Form } from "@remix-run/react"
import { ActorFields } from "./ActorFields.js"
import type { Actor, ChatRow } from "./types.js"

function Act({ actor, chatId, intent, label, secondary = false }: { readonly actor: Actor; readonly chatId: number; readonly intent: string; readonly label: string; readonly secondary?: boolean }) {
  return (
    <Form method="post" className="inline">
      <ActorFields actor={actor} /><input type="hidden" name="chat" value={chatId} />
      <button type="submit" name="intent" value={intent} className={secondary ? "secondary" : undefined}>{label}</button>
    </Form>
  )
}

/** The shown group and every channel, with the acting user's status and join/leave (and, for the group, a join request). */
export function Memberships({ actor, chats }: { readonly actor: Actor; readonly chats: ReadonlyArray<ChatRow> }) {
  return (
    <ul className="list">
      {chats.map((c) => (
        <li key={c.id} className="row-between">
          <span>
            {c.title}{c.username === null ? null : <span className="muted"> @{c.username}</span>} <span className="muted">{c.kind} · {c.status}{c.requested ? " · join request pending" : ""}</span>
          </span>
          <span className="buttons">
            {c.member ? <Act actor={actor} chatId={c.id} intent="leave" label="Leave" secondary /> : <Act actor={actor} chatId={c.id} intent="join" label="Join" />}
            {/* The join-request gate is the group's; one form per channel keeps each channel's row a single button. */}
            {c.kind === "group" && !c.member && !c.requested ? <Act actor={actor} chatId={c.id} intent="request" label="Request to join" secondary /> : null}
          </span>
        </li>
      ))}
    </ul>
  )
}
