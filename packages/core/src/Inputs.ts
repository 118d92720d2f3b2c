import type { ChannelId, ChatId, UserId } from "@nezuko/domain"
import type { ChatMember } from "grammy/types"

// What the bot's handlers decode from an update before calling a service: services never see grammY's context.

export interface Sender {
  readonly id: UserId
  readonly isBot: boolean
  readonly firstName: string
  readonly lastName: string | null
  readonly username: string | null
  readonly languageCode: string | null
}

export interface MessageInput {
  readonly groupId: ChatId
  readonly chatType: "group" | "supergroup"
  readonly messageId: number
  readonly threadId: number | null
  readonly from: Sender
  readonly senderChat: { readonly id: ChatId; readonly type: string } | null
  readonly isAutomaticForward: boolean
}

export interface JoinInput {
  readonly groupId: ChatId
  readonly user: Sender
  /** Who caused the join when it is not the member (an admin adding them). */
  readonly inviterId: UserId | null
  readonly newMember: ChatMember | null
  readonly viaJoinRequest: boolean
  readonly source: "chat_member" | "service_message"
}

export interface ChannelMemberInput {
  readonly channelId: ChannelId
  readonly user: Sender
  readonly wasMember: boolean
  readonly isMember: boolean
}

export interface CallbackInput {
  readonly queryId: string
  readonly chatId: ChatId | null
  readonly messageId: number | null
  readonly from: Sender
}
