import type { Message } from "@grammyjs/types"
import { badRequest, forbidden, Texts } from "../ApiError.js"
import { replySnapshot, storeMessage } from "../Messages.js"
import { optBool, optInt, optObject, optStr, type Params } from "../Params.js"
import type { ChatState, StoredMessage, World } from "../World.js"
import { lookupChat, requireBotIn } from "./Access.js"
import type { Core } from "./Core.js"
import { readInlineKeyboard, readLinkPreview, readText } from "./Format.js"

const JOIN_REQUEST_DM_WINDOW_MS = 5 * 60_000

/** Telegram lets a bot write to a user who started it, or for 5 minutes to a pending join requester. */
const requireCanMessageUser = (world: World, chat: ChatState): void => {
  const state = world.users.get(chat.id)
  if (state === undefined) throw badRequest(Texts.chatNotFound)
  if (state.user.is_bot) throw forbidden(Texts.botsCantMessageBots)
  if (state.blockedBot) throw forbidden(Texts.blocked)
  if (state.startedBot) return
  const now = world.nowMs()
  for (const other of world.chats.values()) {
    const request = other.joinRequests.get(chat.id)
    if (request !== undefined && now - request.date * 1000 <= JOIN_REQUEST_DM_WINDOW_MS) return
  }
  throw forbidden(Texts.cantInitiate)
}

export const requireCanSend = (world: World, chat: ChatState): void => {
  if (chat.type === "private") return requireCanMessageUser(world, chat)
  requireBotIn(world, chat)
  if (chat.type === "channel") {
    if (!world.botHasRight(chat, "can_post_messages")) throw badRequest("need administrator rights in the channel chat")
    return
  }
  const me = world.botMember(chat)
  if (me.status === "restricted" && !me.can_send_messages) throw badRequest("not enough rights to send text messages to the chat")
}

const readReplyTarget = (chat: ChatState, params: Params): StoredMessage | undefined => {
  const reply = optObject<{ message_id?: unknown; allow_sending_without_reply?: unknown }>(params, "reply_parameters")
  const messageId = reply !== undefined ? Number(reply.message_id) : optInt(params, "reply_to_message_id")
  if (messageId === undefined || Number.isNaN(messageId)) return undefined
  const allowWithout = reply !== undefined ? reply.allow_sending_without_reply === true : optBool(params, "allow_sending_without_reply") === true
  const target = chat.messages.get(messageId)
  if (target === undefined || target.deleted) {
    if (allowWithout) return undefined
    throw badRequest("message to be replied not found")
  }
  return target
}

export const sendMessage = (core: Core, params: Params): Message => {
  const { world } = core
  const chat = lookupChat(world, params)
  requireCanSend(world, chat)
  const { text, entities } = readText(world, params)
  const keyboard = readInlineKeyboard(params)
  const replyTo = readReplyTarget(chat, params)
  const linkPreview = readLinkPreview(params)
  const threadId = optInt(params, "message_thread_id")
  const stored = storeMessage(world, chat, (base) => {
    const message: Message = { ...base, text }
    if (chat.type === "channel") message.sender_chat = base.chat
    else message.from = world.botUser
    if (entities.length > 0) message.entities = entities
    if (keyboard !== undefined) message.reply_markup = keyboard
    if (replyTo !== undefined) message.reply_to_message = replySnapshot(replyTo.message)
    if (linkPreview !== undefined) message.link_preview_options = linkPreview
    if (threadId !== undefined && chat.isForum) {
      message.message_thread_id = threadId
      message.is_topic_message = true
    }
    if (optBool(params, "protect_content") === true) message.has_protected_content = true
    return message
  }, true)
  return stored.message
}

/** The bot's own message addressed by chat_id + message_id, as the edit methods need it. */
const editable = (core: Core, params: Params): StoredMessage => {
  if (optStr(params, "inline_message_id") !== undefined) throw badRequest("MESSAGE_ID_INVALID")
  const chat = lookupChat(core.world, params)
  requireBotIn(core.world, chat)
  const messageId = optInt(params, "message_id")
  if (messageId === undefined) throw badRequest("message identifier is not specified")
  const stored = chat.messages.get(messageId)
  if (stored === undefined || stored.deleted) throw badRequest(Texts.messageToEditNotFound)
  if (!stored.byBot) throw badRequest(Texts.messageCantBeEdited)
  return stored
}

const sameMarkup = (a: Message["reply_markup"], b: Message["reply_markup"]): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

const replaceMessage = (core: Core, stored: StoredMessage, next: Message): Message => {
  next.edit_date = core.world.nowSec()
  stored.message = next
  return next
}

export const editMessageText = (core: Core, params: Params): Message => {
  const stored = editable(core, params)
  const current = stored.message
  if (current.text === undefined) throw badRequest("there is no text in the message to edit")
  const { text, entities } = readText(core.world, params)
  // Like Telegram, an edit without reply_markup drops the inline keyboard.
  const keyboard = readInlineKeyboard(params)
  const sameText = current.text === text && JSON.stringify(current.entities ?? []) === JSON.stringify(entities)
  if (sameText && sameMarkup(current.reply_markup, keyboard)) throw badRequest(Texts.notModified)
  const { reply_markup: _old, entities: _oldEntities, ...rest } = current
  const next: Message = { ...rest, text }
  if (entities.length > 0) next.entities = entities
  if (keyboard !== undefined) next.reply_markup = keyboard
  return replaceMessage(core, stored, next)
}

export const editMessageReplyMarkup = (core: Core, params: Params): Message => {
  const stored = editable(core, params)
  const keyboard = readInlineKeyboard(params)
  if (sameMarkup(stored.message.reply_markup, keyboard)) throw badRequest(Texts.notModified)
  const { reply_markup: _old, ...rest } = stored.message
  const next: Message = { ...rest }
  if (keyboard !== undefined) next.reply_markup = keyboard
  return replaceMessage(core, stored, next)
}
