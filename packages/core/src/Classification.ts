import type { GroupSnapshot } from "./GroupDirectory.js"
import type { MessageInput } from "./Inputs.js"

/** Telegram's placeholder senders (they carry is_bot = true, hence rows 1–4 before row 6 of BOT-23). */
export const TelegramServiceUserId = 777000
export const GroupAnonymousBotId = 1087968824
export const ChannelBotId = 136817688

export type Classification =
  | { readonly _tag: "Exempt"; readonly reason: "linked_channel_forward" | "anonymous_admin" | "required_channel" | "telegram_service" | "bot" }
  | { readonly _tag: "ChannelIdentity"; readonly senderChatId: number }
  | { readonly _tag: "Check" }

/** BOT-23 rows 1–6, decided from the message alone; rows 7–10 need the admin list, whitelist and records. */
export const classifySender = (m: MessageInput, g: GroupSnapshot): Classification => {
  const sc = m.senderChat
  if (m.isAutomaticForward && sc !== null && g.linkedChatId !== null && sc.id === g.linkedChatId) {
    return { _tag: "Exempt", reason: "linked_channel_forward" }
  }
  if (sc !== null && sc.id === g.chatId) return { _tag: "Exempt", reason: "anonymous_admin" }
  if (sc !== null && g.channels.some((c) => Number(c.chatId) === Number(sc.id))) return { _tag: "Exempt", reason: "required_channel" }
  if (sc !== null) return { _tag: "ChannelIdentity", senderChatId: sc.id }
  if (m.from.id === TelegramServiceUserId) return { _tag: "Exempt", reason: "telegram_service" }
  if (m.from.isBot) return { _tag: "Exempt", reason: "bot" }
  return { _tag: "Check" }
}
