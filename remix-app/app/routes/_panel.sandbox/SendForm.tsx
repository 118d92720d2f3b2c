import { Form } from "@remix-run/react"
import { ActorFields } from "./ActorFields.js"
import type { Actor } from "./types.js"

/** Writes a message into one chat as the acting user. */
export function SendForm({ actor, chatId, label, placeholder }: { readonly actor: Actor; readonly chatId: number; readonly label: string; readonly placeholder: string }) {
  return (
    <Form method="post" className="inline-form">
      <ActorFields actor={actor} /><input type="hidden" name="chat" value={chatId} />
      <label className="grow">Message <input name="text" maxLength={1000} required placeholder={placeholder} /></label>
      <button type="submit" name="intent" value="send">{label}</button>
    </Form>
  )
}
