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

// Fields that make a message a service message (Bot API `Message`). Joins, leaves and migrations have their own
// handlers (BOT-30, BOT-33, BOT-50); the rest are no one speaking, so none of them goes through enforcement.
const serviceFields = [
  "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo", "delete_chat_photo", "group_chat_created",
  "supergroup_chat_created", "channel_chat_created", "message_auto_delete_timer_changed", "migrate_to_chat_id",
  "migrate_from_chat_id", "pinned_message", "users_shared", "chat_shared", "connected_website", "write_access_allowed",
  "proximity_alert_triggered", "boost_added", "chat_background_set", "checklist_tasks_done", "checklist_tasks_added",
  "direct_message_price_changed", "forum_topic_created", "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened",
  "general_forum_topic_hidden", "general_forum_topic_unhidden", "giveaway_created", "giveaway_completed",
  "paid_message_price_changed", "video_chat_scheduled", "video_chat_started", "video_chat_ended",
  "video_chat_participants_invited", "successful_payment", "refunded_payment", "gift", "unique_gift"
] as const

/** BOT-22: service messages are handled by BOT-30, BOT-33 and BOT-50, not by enforcement. */
export const isServiceMessage = (m: Message): boolean => serviceFields.some((field) => field in m)

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
