import type { Chat, InlineKeyboardMarkup, Message, Update, User } from "@grammyjs/types"
import type { ChatState, StoredMessage, World } from "./World.js"

/** Allocates the next id in the chat and stores the message. */
export const storeMessage = (
  world: World,
  chat: ChatState,
  build: (base: { message_id: number; date: number; chat: Chat }) => Message,
  byBot: boolean
): StoredMessage => {
  const message = build({ message_id: chat.nextMessageId++, date: world.nowSec(), chat: world.chatObject(chat) })
  const stored: StoredMessage = { message, deleted: false, deletedAt: undefined, byBot, sentAt: world.nowMs() }
  chat.messages.set(message.message_id, stored)
  return stored
}

/** A stored message as it appears inside another (reply_to_message carries no nested reply). */
export const replySnapshot = (message: Message): NonNullable<Message["reply_to_message"]> => {
  const { reply_to_message: _nested, ...rest } = message
  // grammY types a reply as `reply_to_message: undefined`, which exactOptionalPropertyTypes cannot build.
  return rest as NonNullable<Message["reply_to_message"]>
}

const isServiceMessage = (message: Message): boolean =>
  message.new_chat_members !== undefined ||
  message.left_chat_member !== undefined ||
  message.migrate_to_chat_id !== undefined ||
  message.migrate_from_chat_id !== undefined ||
  message.pinned_message !== undefined

const addressedToBot = (world: World, chat: ChatState, message: Message): boolean => {
  const text = message.text ?? ""
  const command = /^\/[A-Za-z0-9_]+(?:@([A-Za-z0-9_]+))?/.exec(text)
  if (command !== null) {
    const target = command[1]
    if (target === undefined || target.toLowerCase() === world.opts.botUsername.toLowerCase()) return true
  }
  const replied = message.reply_to_message
  if (replied !== undefined) return chat.messages.get(replied.message_id)?.byBot === true
  return text.includes(`@${world.opts.botUsername}`)
}

const asNonChannel = (message: Message): (Message & Update.NonChannel) | undefined => {
  if (message.chat.type === "channel" || message.from === undefined) return undefined
  return { ...message, chat: message.chat, from: message.from }
}

const asChannel = (message: Message): (Message & Update.Channel) | undefined =>
  message.chat.type === "channel" ? { ...message, chat: message.chat } : undefined

/**
 * Queues the message for the bot if Telegram would show it to the bot: private chats always, channels
 * when it is an admin, groups when it is a member and either admin, privacy mode off, a service
 * message, or a command/reply/mention addressed to it.
 */
export const deliverMessage = (world: World, chat: ChatState, message: Message): void => {
  if (message.from?.id === world.opts.botId) return
  if (chat.type === "private") {
    const update = asNonChannel(message)
    if (update !== undefined) world.updates.push("message", update)
    return
  }
  const me = world.botMember(chat)
  if (!world.isMemberLike(me)) return
  if (chat.type === "channel") {
    const post = asChannel(message)
    if (post !== undefined && world.botAdmin(chat) !== undefined) world.updates.push("channel_post", post)
    return
  }
  const sees =
    world.botAdmin(chat) !== undefined || !world.opts.privacyMode || isServiceMessage(message) || addressedToBot(world, chat, message)
  const update = asNonChannel(message)
  if (sees && update !== undefined) world.updates.push("message", update)
}

export const keyboardOf = (message: Message): InlineKeyboardMarkup | undefined => message.reply_markup

export const serviceMessage = (
  world: World,
  chat: ChatState,
  from: User,
  fields: Pick<Message, "new_chat_members" | "left_chat_member" | "migrate_to_chat_id" | "migrate_from_chat_id">
): StoredMessage => {
  const stored = storeMessage(world, chat, (base) => ({ ...base, from, ...fields }), from.id === world.opts.botId)
  deliverMessage(world, chat, stored.message)
  return stored
}
