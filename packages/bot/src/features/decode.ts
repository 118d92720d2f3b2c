import type { CallbackInput, ChannelMemberInput, JoinInput, MessageInput, Sender } from "@nezuko/core"
import { ChannelId, ChatId, UserId } from "@nezuko/domain"
import type { CallbackQuery, ChatMember, ChatMemberUpdated, Message, User } from "grammy/types"

// Update → service input. The runtime has already checked the shape of every update it hands on (Updates.ts).

export const toSender = (u: User): Sender => ({
  id: UserId.make(u.id),
  isBot: u.is_bot,
  firstName: u.first_name,
  lastName: u.last_name ?? null,
  username: u.username ?? null,
  languageCode: u.language_code ?? null
})

export const messageInput = (m: Message & { readonly from: User }, chatType: "group" | "supergroup"): MessageInput => ({
  groupId: ChatId.make(m.chat.id),
  chatType,
  messageId: m.message_id,
  threadId: m.is_topic_message && m.message_thread_id !== undefined ? m.message_thread_id : null,
  from: toSender(m.from),
  senderChat: m.sender_chat ? { id: ChatId.make(m.sender_chat.id), type: m.sender_chat.type } : null,
  isAutomaticForward: m.is_automatic_forward === true
})

/** CACHE-2's "member-like": creator, administrator, member, or restricted while still a member. */
export const isPresent = (m: ChatMember) =>
  m.status === "creator" || m.status === "administrator" || m.status === "member" || (m.status === "restricted" && m.is_member)

/** BOT-30: a join is absent → present; `from` is the inviter when it is someone else. */
export const joinFromChatMember = (u: ChatMemberUpdated): JoinInput | undefined =>
  !isPresent(u.old_chat_member) && isPresent(u.new_chat_member)
    ? {
      groupId: ChatId.make(u.chat.id),
      user: toSender(u.new_chat_member.user),
      inviterId: u.from.id !== u.new_chat_member.user.id ? UserId.make(u.from.id) : null,
      newMember: u.new_chat_member,
      viaJoinRequest: u.via_join_request === true,
      source: "chat_member"
    }
    : undefined

export const joinsFromServiceMessage = (m: Message): ReadonlyArray<JoinInput> =>
  (m.new_chat_members ?? []).map((user) => ({
    groupId: ChatId.make(m.chat.id),
    user: toSender(user),
    inviterId: m.from && m.from.id !== user.id ? UserId.make(m.from.id) : null,
    newMember: null,
    viaJoinRequest: false,
    source: "service_message" as const
  }))

export const channelMemberInput = (u: ChatMemberUpdated): ChannelMemberInput => ({
  channelId: ChannelId.make(u.chat.id),
  user: toSender(u.new_chat_member.user),
  wasMember: isPresent(u.old_chat_member),
  isMember: isPresent(u.new_chat_member)
})

export const callbackInput = (q: CallbackQuery): CallbackInput => ({
  queryId: q.id,
  chatId: q.message ? ChatId.make(q.message.chat.id) : null,
  messageId: q.message?.message_id ?? null,
  from: toSender(q.from)
})

/** A command addressed to this bot: `/cmd`, or `/cmd@ThisBot`; `/cmd@OtherBot` is an ordinary message (BOT-7). */
export const commandOf = (m: Message, botUsername: string): { readonly name: string; readonly args: ReadonlyArray<string>; readonly replyTo?: UserId } | undefined => {
  const entity = m.entities?.[0]
  if (!m.text || entity?.type !== "bot_command" || entity.offset !== 0) return undefined
  const [command = "", ...args] = m.text.trim().split(/\s+/)
  const [name = "", target] = command.slice(1).split("@")
  if (target !== undefined && target.toLowerCase() !== botUsername.toLowerCase()) return undefined
  const replyTo = repliedToUser(m)
  return replyTo === undefined ? { name: name.toLowerCase(), args } : { name: name.toLowerCase(), args, replyTo }
}

/** The sender of the message a command replies to (BOT-19, BOT-20); a forum topic's root is not a reply, nor is a bot. */
export const repliedToUser = (m: Message): UserId | undefined => {
  const replied = m.reply_to_message
  if (replied?.from === undefined || replied.from.is_bot || replied.sender_chat !== undefined) return undefined
  if (m.is_topic_message && replied.message_id === m.message_thread_id) return undefined
  return UserId.make(replied.from.id)
}
