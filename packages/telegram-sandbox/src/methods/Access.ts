import { badRequest, forbidden, Texts } from "../ApiError.js"
import { chatRef, type Params } from "../Params.js"
import type { ChatState, World } from "../World.js"

export const chatKind = (chat: ChatState): string => (chat.type === "private" ? "private" : chat.type)

/** Resolves chat_id (number or @username), failing as Telegram does for unknown or migrated chats. */
export const lookupChat = (world: World, params: Params, name = "chat_id"): ChatState => {
  const ref = chatRef(params, name)
  let chat: ChatState | undefined
  if (typeof ref === "string") chat = world.findChatByUsername(ref)
  else if (ref > 0) chat = ref === world.opts.botId ? undefined : world.chats.get(ref) ?? world.privateChat(ref)
  else chat = world.chats.get(ref)
  if (chat === undefined) throw badRequest(Texts.chatNotFound)
  if (chat.migratedTo !== undefined) throw badRequest(Texts.migrated, { migrate_to_chat_id: chat.migratedTo })
  return chat
}

/**
 * The bot must be inside the chat. A chat it never joined is invisible ("chat not found") unless public;
 * one it was removed from answers 403 like Telegram.
 */
export const requireBotIn = (world: World, chat: ChatState, opts: { publicOk?: boolean } = {}): void => {
  if (chat.type === "private") return
  const stored = chat.members.get(world.opts.botId)
  const me = world.botMember(chat)
  if (me.status === "kicked") throw forbidden(`bot was kicked from the ${chatKind(chat)} chat`)
  if (world.isMemberLike(me)) return
  if (opts.publicOk === true && chat.username !== undefined) return
  if (stored === undefined && chat.username === undefined) throw badRequest(Texts.chatNotFound)
  throw forbidden(`bot is not a member of the ${chatKind(chat)} chat`)
}

export const requireRight = (
  world: World,
  chat: ChatState,
  right: "can_restrict_members" | "can_delete_messages" | "can_invite_users" | "can_post_messages" | "can_edit_messages",
  text: string
): void => {
  if (!world.botHasRight(chat, right)) throw badRequest(text)
}

export const requireKnownUser = (world: World, userId: number, text: string = Texts.participantInvalid): void => {
  if (!world.users.has(userId)) throw badRequest(text)
}
