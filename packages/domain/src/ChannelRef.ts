import { Either } from "effect"
import { InvalidChannelRef } from "./Errors.js"

/** What /protect and the panel accept for a channel (BOT-12): a public username or a numeric id. */
export type ChannelRef =
  | { readonly _tag: "Username"; readonly username: string }
  | { readonly _tag: "NumericId"; readonly id: number }

const username = /^[A-Za-z][A-Za-z0-9_]{3,31}$/

export const inviteLinkHint =
  "invite links can't be resolved by bots — use the channel's numeric id (forward a channel post to me in private to get it)"

/** `@name`, `name`, `t.me/name`, `https://t.me/name`, `telegram.me/name`, or `-100…`; private invite links are refused. */
export const parseChannelRef = (raw: string): Either.Either<ChannelRef, InvalidChannelRef> => {
  const ref = raw.trim()
  if (/^-100\d{5,15}$/.test(ref)) return Either.right({ _tag: "NumericId", id: Number(ref) })
  const link = ref.match(/^(?:https?:\/\/)?(?:t\.me|telegram\.me)\/(.+)$/i)
  const path = link ? link[1] ?? "" : ref.replace(/^@/, "")
  if (link && (path.startsWith("+") || path.toLowerCase().startsWith("joinchat/"))) {
    return Either.left(new InvalidChannelRef({ ref, reason: inviteLinkHint }))
  }
  const name = path.replace(/\/$/, "")
  if (username.test(name)) return Either.right({ _tag: "Username", username: name })
  return Either.left(new InvalidChannelRef({ ref, reason: "not a channel username, t.me link or numeric id (-100…)" }))
}

/** The form getChat takes. */
export const chatIdOfRef = (ref: ChannelRef): string | number => (ref._tag === "Username" ? `@${ref.username}` : ref.id)
