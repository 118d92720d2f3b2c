import type { CallbackQuery, ChatInviteLink, ChatJoinRequest, ChatMember, Message, MessageEntity, User } from "@grammyjs/types"
import { detectEntities } from "./Formatting.js"
import { changeMember } from "./Members.js"
import { deliverMessage, replySnapshot, storeMessage } from "./Messages.js"
import { fail } from "./SandboxError.js"
import { requireChat, requireUser } from "./WorldBuilder.js"
import { CHANNEL_BOT, type ChatState, GROUP_ANONYMOUS_BOT, TELEGRAM_SERVICE, type World } from "./World.js"

export interface SendOptions {
  /** message_id in the same chat to reply to. */
  readonly replyTo?: number
  readonly entities?: ReadonlyArray<MessageEntity>
}

const chatFor = (world: World, userId: number, chatId: number): ChatState => {
  // A user's private chat with the bot has the user's id; the bot's id is accepted as an alias.
  if (chatId === userId || chatId === world.opts.botId) {
    const chat = world.privateChat(userId)
    if (chat === undefined) return fail(`unknown user ${userId}`)
    return chat
  }
  return requireChat(world, chatId)
}

const requireCanWrite = (world: World, chat: ChatState, user: User): void => {
  if (chat.type === "private") return
  const member = world.member(chat, user.id)
  const name = `${user.first_name} (${user.id})`
  if (chat.type === "channel") {
    if (!world.isAdminLike(member)) fail(`${name} can't post in channel ${chat.title}: not an administrator`)
    return
  }
  if (!world.isMemberLike(member)) fail(`${name} can't write in ${chat.title}: status ${member.status}`)
  if (member.status === "restricted" && !member.can_send_messages) fail(`${name} can't write in ${chat.title}: restricted`)
  if (member.status === "member" && !chat.permissions.can_send_messages) fail(`${name} can't write in ${chat.title}: the group's permissions forbid it`)
}

const buildMessage = (
  world: World,
  chat: ChatState,
  text: string,
  fields: Pick<Message, "from" | "sender_chat" | "is_automatic_forward" | "forward_origin" | "author_signature">,
  options: SendOptions
): Message => {
  const replyTarget = options.replyTo === undefined ? undefined : chat.messages.get(options.replyTo)
  if (options.replyTo !== undefined && (replyTarget === undefined || replyTarget.deleted)) fail(`message ${options.replyTo} not found in ${chat.id}`)
  const stored = storeMessage(world, chat, (base) => {
    const message: Message = { ...base, ...fields, text }
    const entities = options.entities === undefined ? detectEntities(text) : [...options.entities]
    if (entities.length > 0) message.entities = entities
    if (replyTarget !== undefined) message.reply_to_message = replySnapshot(replyTarget.message)
    return message
  }, false)
  deliverMessage(world, chat, stored.message)
  return stored.message
}

export const sendUserMessage = (world: World, userId: number, chatId: number, text: string, options: SendOptions = {}): Message => {
  const user = requireUser(world, userId)
  const chat = chatFor(world, userId, chatId)
  requireCanWrite(world, chat, user)
  if (chat.type === "private") {
    const state = world.users.get(userId)
    if (state !== undefined) {
      state.startedBot = true
      state.blockedBot = false
    }
  }
  return buildMessage(world, chat, text, { from: user }, options)
}

/** A user writing in a group under one of their channels' names (from = Channel_Bot). */
export const postAsChannel = (world: World, userId: number, chatId: number, channelId: number, text: string, options: SendOptions = {}): Message => {
  const user = requireUser(world, userId)
  const chat = requireChat(world, chatId)
  const channel = requireChat(world, channelId)
  if (channel.type !== "channel") fail(`${channelId} is not a channel`)
  if (!world.isAdminLike(world.member(channel, userId))) fail(`${user.first_name} can't post as ${channel.title}: not its administrator`)
  if (chat.bannedSenderChats.has(channelId)) fail(`${channel.title} is banned in ${chat.title}`)
  if (!world.isMemberLike(world.member(chat, userId))) fail(`${user.first_name} is not in ${chat.title}`)
  return buildMessage(world, chat, text, { from: CHANNEL_BOT, sender_chat: world.chatObject(channel) }, options)
}

/** An administrator writing anonymously: from = GroupAnonymousBot, sender_chat = the group itself. */
export const postAsAnonymousAdmin = (world: World, userId: number, chatId: number, text: string, options: SendOptions = {}): Message => {
  const user = requireUser(world, userId)
  const chat = requireChat(world, chatId)
  const member = world.member(chat, userId)
  if (!world.isAdminLike(member)) fail(`${user.first_name} is not an administrator of ${chat.title}`)
  const fields: Pick<Message, "from" | "sender_chat" | "author_signature"> = { from: GROUP_ANONYMOUS_BOT, sender_chat: world.chatObject(chat) }
  if ((member.status === "administrator" || member.status === "creator") && member.custom_title !== undefined) fields.author_signature = member.custom_title
  return buildMessage(world, chat, text, fields, options)
}

/** A channel post; in a linked discussion group Telegram then forwards it automatically (from 777000). */
export const postToChannel = (world: World, channelId: number, text: string): { post: Message; forward: Message | undefined } => {
  const channel = requireChat(world, channelId)
  if (channel.type !== "channel") fail(`${channelId} is not a channel`)
  const post = buildMessage(world, channel, text, { sender_chat: world.chatObject(channel) }, {})
  const group = channel.linkedChatId === undefined ? undefined : world.chats.get(channel.linkedChatId)
  if (group === undefined || group.linkedChatId !== channel.id) return { post, forward: undefined }
  const forward = buildMessage(world, group, text, {
    from: TELEGRAM_SERVICE,
    sender_chat: world.chatObject(channel),
    is_automatic_forward: true,
    forward_origin: { type: "channel", chat: { id: channel.id, type: "channel", title: channel.title, ...(channel.username === undefined ? {} : { username: channel.username }) }, message_id: post.message_id, date: post.date }
  }, {})
  return { post, forward }
}

export interface JoinOptions {
  /** Added by this member instead of joining by themself (chat_member.from and the service message's from). */
  readonly invitedBy?: number
  /** Joined through this invite link (must exist in the chat and not require approval). */
  readonly inviteLink?: string
}

const findLink = (chat: ChatState, link: string): ChatInviteLink => {
  const found = chat.inviteLinks.get(link)
  if (found === undefined || found.is_revoked) return fail(`invite link ${link} is not valid for ${chat.title}`)
  return found
}

export const joinChat = (world: World, userId: number, chatId: number, options: JoinOptions = {}): ChatMember => {
  const user = requireUser(world, userId)
  const chat = requireChat(world, chatId)
  const current = world.member(chat, userId)
  if (world.isMemberLike(current)) fail(`${user.first_name} is already in ${chat.title}`)
  const inviter = options.invitedBy === undefined ? user : requireUser(world, options.invitedBy)
  if (options.invitedBy !== undefined && !world.isMemberLike(world.member(chat, options.invitedBy))) fail(`${inviter.first_name} is not in ${chat.title}`)
  if (current.status === "kicked" && !world.isAdminLike(world.member(chat, inviter.id))) fail(`${user.first_name} is banned from ${chat.title}`)
  const link = options.inviteLink === undefined ? undefined : findLink(chat, options.inviteLink)
  if (link?.creates_join_request === true) fail("this link requires approval: use requestToJoin")
  const next: ChatMember = current.status === "restricted" ? { ...current, is_member: true } : { status: "member", user }
  changeMember(world, chat, userId, next, { actor: inviter, inviteLink: link })
  return next
}

export const leaveChat = (world: World, userId: number, chatId: number): ChatMember => {
  const user = requireUser(world, userId)
  const chat = requireChat(world, chatId)
  const current = world.member(chat, userId)
  if (!world.isMemberLike(current)) fail(`${user.first_name} is not in ${chat.title}`)
  if (current.status === "creator") fail("the creator can't leave in the sandbox; transfer ownership first")
  // A restricted member keeps the restriction after leaving, only is_member turns false.
  const next: ChatMember = current.status === "restricted" ? { ...current, is_member: false } : { status: "left", user }
  changeMember(world, chat, userId, next, { actor: user })
  return next
}

export const requestToJoin = (world: World, userId: number, chatId: number, options: { inviteLink?: string; bio?: string } = {}): ChatJoinRequest => {
  const user = requireUser(world, userId)
  const chat = requireChat(world, chatId)
  if (chat.type !== "supergroup" && chat.type !== "channel") fail("join requests exist only in supergroups and channels")
  if (world.isMemberLike(world.member(chat, userId))) fail(`${user.first_name} is already in ${chat.title}`)
  const link = options.inviteLink === undefined ? undefined : findLink(chat, options.inviteLink)
  const date = world.nowSec()
  chat.joinRequests.set(userId, { userId, date, inviteLink: link, bio: options.bio })
  const chatObject = world.chatObject(chat)
  if (chatObject.type !== "supergroup" && chatObject.type !== "channel") return fail("unreachable")
  const request: ChatJoinRequest = { chat: chatObject, from: user, user_chat_id: userId, date }
  if (options.bio !== undefined) request.bio = options.bio
  if (link !== undefined) request.invite_link = link
  // Only admins who can approve hear about requests.
  if (world.botHasRight(chat, "can_invite_users")) world.updates.push("chat_join_request", request)
  return request
}

export interface ButtonSelector {
  readonly data?: string
  readonly text?: string
}

/** Presses a callback button of a bot message; returns the callback query id the bot must answer. */
export const pressButton = (world: World, userId: number, chatId: number, messageId: number, selector: ButtonSelector = {}): string => {
  const user = requireUser(world, userId)
  const chat = chatFor(world, userId, chatId)
  const stored = chat.messages.get(messageId)
  if (stored === undefined || stored.deleted) return fail(`message ${messageId} not found in ${chat.id}`)
  if (chat.type !== "private" && chat.type !== "channel" && !world.isMemberLike(world.member(chat, userId))) {
    fail(`${user.first_name} can't see ${chat.title}`)
  }
  const buttons = (stored.message.reply_markup?.inline_keyboard ?? []).flat()
  const button = buttons.find(
    (b) => "callback_data" in b && (selector.data === undefined || b.callback_data === selector.data) && (selector.text === undefined || b.text === selector.text)
  )
  if (button === undefined || !("callback_data" in button)) return fail(`no matching callback button on message ${messageId}`)
  const id = world.allocateCallbackId()
  world.callbacks.set(id, { id, userId, chatId: chat.id, messageId, data: button.callback_data, createdAt: world.nowMs(), answer: undefined })
  const query: CallbackQuery = { id, from: user, message: stored.message, chat_instance: String(-chat.id * 7 + 13), data: button.callback_data }
  world.updates.push("callback_query", query)
  return id
}
