import { badRequest, Texts } from "../ApiError.js"
import { optArray, optInt, type Params } from "../Params.js"
import type { ChatState, StoredMessage, World } from "../World.js"
import { lookupChat, requireBotIn } from "./Access.js"
import type { Core } from "./Core.js"

const FORTY_EIGHT_HOURS_MS = 48 * 3_600_000

/** Deletion rules of the deleteMessage docs; undefined means allowed, otherwise Telegram's reason. */
const refusal = (world: World, chat: ChatState, stored: StoredMessage): string | undefined => {
  const message = stored.message
  if (message.new_chat_members === undefined && (message.migrate_from_chat_id !== undefined || message.migrate_to_chat_id !== undefined)) {
    return Texts.messageCantBeDeleted
  }
  const old = world.nowMs() - stored.sentAt > FORTY_EIGHT_HOURS_MS
  switch (chat.type) {
    case "private":
      return old ? Texts.messageCantBeDeletedForEveryone : undefined
    case "group":
      if (world.botAdmin(chat) !== undefined) return undefined
      if (!stored.byBot) return Texts.messageCantBeDeleted
      return old ? Texts.messageCantBeDeletedForEveryone : undefined
    case "supergroup":
    case "channel":
      if (world.botHasRight(chat, "can_delete_messages")) return undefined
      if (!stored.byBot) return Texts.messageCantBeDeleted
      if (chat.type === "channel" && !world.botHasRight(chat, "can_post_messages")) return Texts.messageCantBeDeleted
      return old ? Texts.messageCantBeDeletedForEveryone : undefined
  }
}

const markDeleted = (world: World, stored: StoredMessage): void => {
  stored.deleted = true
  stored.deletedAt = world.nowMs()
}

export const deleteMessage = (core: Core, params: Params): true => {
  const { world } = core
  const chat = lookupChat(world, params)
  requireBotIn(world, chat)
  const messageId = optInt(params, "message_id")
  if (messageId === undefined) throw badRequest("message identifier is not specified")
  const stored = chat.messages.get(messageId)
  if (stored === undefined || stored.deleted) throw badRequest(Texts.messageToDeleteNotFound)
  const reason = refusal(world, chat, stored)
  if (reason !== undefined) throw badRequest(reason)
  markDeleted(world, stored)
  return true
}

/** Missing messages are skipped (Bot API docs); any message the bot may not delete fails the call. */
export const deleteMessages = (core: Core, params: Params): true => {
  const { world } = core
  const chat = lookupChat(world, params)
  requireBotIn(world, chat)
  const ids = optArray(params, "message_ids")
  if (ids === undefined || ids.length === 0) throw badRequest("message identifiers are not specified")
  if (ids.length > 100) throw badRequest("too many message identifiers specified")
  const found: Array<StoredMessage> = []
  for (const id of ids) {
    const stored = chat.messages.get(Number(id))
    if (stored === undefined || stored.deleted) continue
    const reason = refusal(world, chat, stored)
    if (reason !== undefined) throw badRequest(reason)
    found.push(stored)
  }
  for (const stored of found) markDeleted(world, stored)
  return true
}
