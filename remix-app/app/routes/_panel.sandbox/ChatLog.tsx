import { MessageButtons } from "./MessageButtons.js"
import type { Actor, ChatMessage } from "./types.js"

const time = (s: number) => new Date(s * 1000).toLocaleTimeString("en-GB")

/** One chat's messages, oldest first, with Nezuko's keyboards usable as the acting user. */
export function ChatLog({ actor, chatId, empty, messages }: { readonly actor: Actor; readonly chatId: number; readonly empty: string; readonly messages: ReadonlyArray<ChatMessage> }) {
  return (
    <ol className="chat" aria-live="polite">
      {messages.length === 0 ? <li className="muted">{empty}</li> : messages.map((m) => (
        <li key={m.id} className={`${m.byBot ? "bot" : ""} ${m.deleted ? "deleted" : ""}`}>
          <span className="muted">{time(m.at)} {m.from}{m.deleted ? " · deleted" : ""}</span>
          <p>{m.text}</p>
          {!m.deleted && m.buttons.length > 0 ? <MessageButtons actor={actor} chatId={chatId} message={m} /> : null}
        </li>
      ))}
    </ol>
  )
}
