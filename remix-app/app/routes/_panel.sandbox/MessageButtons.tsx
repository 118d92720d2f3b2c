import { Form } from "@remix-run/react"
import { ActorFields } from "./ActorFields.js"
import type { Actor, ButtonView, ChatMessage } from "./types.js"

/** What following a url button does in the sandbox: join its chat, or open the bot with /start, as the acting user. */
function LinkOffer({ actor, button }: { readonly actor: Actor; readonly button: Exclude<ButtonView, { kind: "press" }> }) {
  const name = actor.as.name
  if (button.kind === "link") return <a className="button-link" href={button.url} target="_blank" rel="noreferrer">{button.text}</a>
  return (
    <details className="link-offer">
      <summary className="button-link">{button.text}</summary>
      {button.kind === "join" && button.member ? <p className="muted">{`${name} is already in ${button.chat}.`}</p> : (
        <Form method="post" className="inline">
          <ActorFields actor={actor} /><input type="hidden" name="url" value={button.url} />
          <button type="submit" name="intent" value="follow">
            {button.kind === "start" ? `Open the bot as ${name} (/start${button.payload === "" ? "" : ` ${button.payload}`})` : `${button.approval ? "Ask to join" : "Join"} ${button.chat} as ${name}`}
          </button>
        </Form>
      )}
    </details>
  )
}

/** A message's inline keyboard: callback buttons are pressed as the acting user, url buttons offer what the link does. */
export function MessageButtons({ actor, chatId, message }: { readonly actor: Actor; readonly chatId: number; readonly message: ChatMessage }) {
  return (
    <div className="buttons">
      {message.buttons.flat().map((b, i) => b.kind === "press" ? (
        <Form method="post" key={i} className="inline">
          <ActorFields actor={actor} />
          <input type="hidden" name="chat" value={chatId} /><input type="hidden" name="message" value={message.id} /><input type="hidden" name="data" value={b.data} />
          <button type="submit" name="intent" value="press">{b.text}</button>
        </Form>
      ) : <LinkOffer key={i} actor={actor} button={b} />)}
    </div>
  )
}
