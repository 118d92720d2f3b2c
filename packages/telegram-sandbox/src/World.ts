import type {
  BotCommand,
  Chat,
  ChatInviteLink,
  ChatMember,
  ChatMemberAdministrator,
  ChatMemberOwner,
  Message,
  User,
  UserFromGetMe
} from "@grammyjs/types"
import type { ResolvedOptions } from "./Options.js"
import { defaultGroupPermissions, type FullPermissions } from "./Permissions.js"
import type { Updates } from "./Updates.js"

export type ChatType = "private" | "group" | "supergroup" | "channel"

export interface UserState {
  user: User
  /** The user pressed Start (or wrote to the bot), so the bot may message them. */
  startedBot: boolean
  blockedBot: boolean
}

export interface StoredMessage {
  message: Message
  deleted: boolean
  deletedAt: number | undefined
  byBot: boolean
  /** Milliseconds, for the 48-hour deletion rule. */
  sentAt: number
}

export interface JoinRequestState {
  readonly userId: number
  readonly date: number
  readonly inviteLink: ChatInviteLink | undefined
  readonly bio: string | undefined
}

export interface ChatState {
  readonly id: number
  type: ChatType
  title: string
  username: string | undefined
  description: string | undefined
  permissions: FullPermissions
  linkedChatId: number | undefined
  /** A basic group upgraded to a supergroup answers every call with migrate_to_chat_id. */
  migratedTo: number | undefined
  readonly members: Map<number, ChatMember>
  readonly messages: Map<number, StoredMessage>
  nextMessageId: number
  readonly joinRequests: Map<number, JoinRequestState>
  readonly inviteLinks: Map<string, ChatInviteLink>
  primaryLink: string | undefined
  readonly bannedSenderChats: Set<number>
  isForum: boolean
}

export interface CallbackAnswer {
  readonly text: string | undefined
  readonly showAlert: boolean
  readonly url: string | undefined
  readonly cacheTime: number | undefined
  readonly at: number
}

export interface CallbackState {
  readonly id: string
  readonly userId: number
  readonly chatId: number
  readonly messageId: number
  readonly data: string
  readonly createdAt: number
  answer: CallbackAnswer | undefined
}

/** Telegram's placeholder senders. */
export const GROUP_ANONYMOUS_BOT: User = {
  id: 1087968824,
  is_bot: true,
  first_name: "Group",
  username: "GroupAnonymousBot"
}
export const CHANNEL_BOT: User = { id: 136817688, is_bot: true, first_name: "Channel", username: "Channel_Bot" }
export const TELEGRAM_SERVICE: User = { id: 777000, is_bot: false, first_name: "Telegram" }

/** Users, chats, members, messages, join requests and callback queries: Telegram's side of the world. */
export class World {
  readonly users = new Map<number, UserState>()
  readonly chats = new Map<number, ChatState>()
  readonly callbacks = new Map<string, CallbackState>()
  readonly commands = new Map<string, Array<BotCommand>>()
  private nextUserId = 100_000_001
  private nextSupergroupId = 1_000_000_001
  private nextGroupId = 400_000_001
  private nextCallbackId = 1
  private nextLinkId = 1

  constructor(
    readonly opts: ResolvedOptions,
    readonly updates: Updates
  ) {
    this.users.set(this.opts.botId, { user: this.botUser, startedBot: true, blockedBot: false })
  }

  get botUser(): User {
    return { id: this.opts.botId, is_bot: true, first_name: this.opts.botFirstName, username: this.opts.botUsername }
  }

  get me(): UserFromGetMe {
    return {
      id: this.opts.botId,
      is_bot: true,
      first_name: this.opts.botFirstName,
      username: this.opts.botUsername,
      can_join_groups: true,
      can_read_all_group_messages: !this.opts.privacyMode,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false
    }
  }

  nowMs(): number {
    return this.opts.now()
  }

  nowSec(): number {
    return Math.floor(this.opts.now() / 1000)
  }

  allocateUserId(): number {
    while (this.users.has(this.nextUserId)) this.nextUserId++
    return this.nextUserId++
  }

  allocateChatId(type: "group" | "supergroup" | "channel"): number {
    if (type === "group") {
      while (this.chats.has(-this.nextGroupId)) this.nextGroupId++
      return -this.nextGroupId++
    }
    // Supergroups and channels share Telegram's -100… id space.
    const id = (): number => -(1_000_000_000_000 + this.nextSupergroupId)
    while (this.chats.has(id())) this.nextSupergroupId++
    const chosen = id()
    this.nextSupergroupId++
    return chosen
  }

  allocateCallbackId(): string {
    return String(4_000_000_000_000_000 + this.nextCallbackId++)
  }

  allocateInviteLink(): string {
    return `https://t.me/+SBX${String(this.nextLinkId++).padStart(12, "0")}`
  }

  newChat(id: number, type: ChatType, title: string): ChatState {
    const chat: ChatState = {
      id,
      type,
      title,
      username: undefined,
      description: undefined,
      permissions: { ...defaultGroupPermissions },
      linkedChatId: undefined,
      migratedTo: undefined,
      members: new Map(),
      messages: new Map(),
      nextMessageId: 1,
      joinRequests: new Map(),
      inviteLinks: new Map(),
      primaryLink: undefined,
      bannedSenderChats: new Set(),
      isForum: false
    }
    this.chats.set(id, chat)
    return chat
  }

  findChatByUsername(username: string): ChatState | undefined {
    const wanted = username.replace(/^@/, "").toLowerCase()
    for (const chat of this.chats.values()) {
      if (chat.type !== "private" && chat.username?.toLowerCase() === wanted) return chat
    }
    return undefined
  }

  /** The private chat between the bot and a user, created on first contact. */
  privateChat(userId: number): ChatState | undefined {
    const existing = this.chats.get(userId)
    if (existing !== undefined) return existing
    const state = this.users.get(userId)
    if (state === undefined) return undefined
    return this.newChat(userId, "private", state.user.first_name)
  }

  /** The chat as embedded in messages and updates. */
  chatObject(chat: ChatState): Chat {
    switch (chat.type) {
      case "private": {
        const user = this.users.get(chat.id)?.user
        const out: Chat.PrivateChat = { id: chat.id, type: "private", first_name: user?.first_name ?? chat.title }
        if (user?.last_name !== undefined) out.last_name = user.last_name
        if (user?.username !== undefined) out.username = user.username
        return out
      }
      case "group":
        return { id: chat.id, type: "group", title: chat.title }
      case "supergroup": {
        const out: Chat.SupergroupChat = { id: chat.id, type: "supergroup", title: chat.title }
        if (chat.username !== undefined) out.username = chat.username
        if (chat.isForum) out.is_forum = true
        return out
      }
      case "channel": {
        const out: Chat.ChannelChat = { id: chat.id, type: "channel", title: chat.title }
        if (chat.username !== undefined) out.username = chat.username
        return out
      }
    }
  }

  /** The member's current state; timed restrictions and bans lift themselves when their date passes. */
  member(chat: ChatState, userId: number): ChatMember {
    const stored = chat.members.get(userId)
    const user = this.users.get(userId)?.user ?? { id: userId, is_bot: false, first_name: "Deleted Account" }
    if (stored === undefined) return { status: "left", user }
    const now = this.nowSec()
    if (stored.status === "restricted" && stored.until_date !== 0 && stored.until_date <= now) {
      const lifted: ChatMember = stored.is_member ? { status: "member", user: stored.user } : { status: "left", user: stored.user }
      chat.members.set(userId, lifted)
      return lifted
    }
    if (stored.status === "kicked" && stored.until_date !== 0 && stored.until_date <= now) {
      const lifted: ChatMember = { status: "left", user: stored.user }
      chat.members.set(userId, lifted)
      return lifted
    }
    return stored
  }

  botMember(chat: ChatState): ChatMember {
    return this.member(chat, this.opts.botId)
  }

  /** The bot's admin entry, or undefined if it is not an administrator (the creator counts as all rights). */
  botAdmin(chat: ChatState): ChatMemberAdministrator | ChatMemberOwner | undefined {
    const me = this.botMember(chat)
    return me.status === "administrator" || me.status === "creator" ? me : undefined
  }

  botHasRight(chat: ChatState, right: keyof ChatMemberAdministrator): boolean {
    const admin = this.botAdmin(chat)
    if (admin === undefined) return false
    if (admin.status === "creator") return true
    return admin[right] === true
  }

  isMemberLike(member: ChatMember): boolean {
    return (
      member.status === "creator" ||
      member.status === "administrator" ||
      member.status === "member" ||
      (member.status === "restricted" && member.is_member)
    )
  }

  isAdminLike(member: ChatMember): boolean {
    return member.status === "creator" || member.status === "administrator"
  }

  reset(): void {
    this.users.clear()
    this.chats.clear()
    this.callbacks.clear()
    this.commands.clear()
    this.nextUserId = 100_000_001
    this.nextSupergroupId = 1_000_000_001
    this.nextGroupId = 400_000_001
    this.nextCallbackId = 1
    this.nextLinkId = 1
    this.users.set(this.opts.botId, { user: this.botUser, startedBot: true, blockedBot: false })
  }
}
