import { CsrfInput } from "../../components/CsrfInput.js"
import type { Actor } from "./types.js"

/** The CSRF token, the acting user and the shown group: every sandbox form posts them. */
export function ActorFields({ actor }: { readonly actor: Actor }) {
  return (
    <>
      <CsrfInput />
      <input type="hidden" name="as" value={actor.as.id} />
      {actor.groupId === null ? null : <input type="hidden" name="group" value={actor.groupId} />}
    </>
  )
}
