import type { Chat, ChatMember, ChatPermissions, User } from "@grammyjs/types"
import { changeMember } from "./Members.js"
import { serviceMessage } from "./Messages.js"
import { type AdminRights, defaultGroupPermissions, fullAdminRights, minimalAdminRights, normalizeUntilDate, resolvePermissions } from "./Permissions.js"
import { fail } from "./SandboxError.js"
import type { ChatState, World } from "./World.js"

export interface UserInput {
  readonly firstName: string
  readonly lastName?: string
  readonly username?: string
  readonly id?: number
  readonly languageCode?: string
  readonly isBot?: boolean
  readonly isPremium?: boolean
  /** The user already pressed Start in the bot's private chat. */
  readonly startedBot?: boolean
}

/** A member's status as a test states it; converted to Telegram's ChatMember shapes. */
export type MemberSpec =
  | { readonly status: "creator"; readonly isAnonymous?: boolean; readonly customTitle?: string }
  | { readonly status: "administrator"; readonly rights?: Partial<AdminRights>; readonly customTitle?: string }
  | { readonly status: "member" }
  | { readonly status: "restricted"; readonly permissions: ChatPermissions; readonly untilDate?: number; readonly isMember?: boolean; readonly independent?: boolean }
  | { readonly status: "left" }
  | { readonly status: "kicked"; readonly untilDate?: number }

/** How the bot sits in a new chat: a full admin (default), plain member, absent, or an admin with these rights. */
export type BotSetup = "admin" | "member" | "none" | Partial<AdminRights>

export interface ChatInput {
  readonly title: string
  readonly id?: number
  readonly username?: string
  readonly description?: string
  readonly permissions?: ChatPermissions
  /** Creator; defaults to a shared "Chat Owner" user. */
  readonly ownerId?: number
  readonly bot?: BotSetup
  /** Users present from the start (no updates are emitted for set-up). */
  readonly members?: ReadonlyArray<number>
  readonly isForum?: boolean
}

export const DEFAULT_OWNER_ID = 100_000_000

export const createUser = (world: World, input: UserInput): User => {
  const id = input.id ?? world.allocateUserId()
  if (world.users.has(id)) fail(`user ${id} already exists`)
  const user: User = { id, is_bot: input.isBot ?? false, first_name: input.firstName }
  if (input.lastName !== undefined) user.last_name = input.lastName
  if (input.username !== undefined) user.username = input.username
  if (input.languageCode !== undefined) user.language_code = input.languageCode
  if (input.isPremium === true) user.is_premium = true
  world.users.set(id, { user, startedBot: input.startedBot ?? false, blockedBot: false })
  return user
}

export const requireUser = (world: World, userId: number): User =>
  world.users.get(userId)?.user ?? fail(`unknown user ${userId}; create it first`)

export const requireChat = (world: World, chatId: number): ChatState => {
  const chat = world.chats.get(chatId)
  if (chat === undefined || chat.type === "private") return fail(`unknown chat ${chatId}; create it first`)
  return chat
}

export const toChatMember = (world: World, user: User, spec: MemberSpec): ChatMember => {
  switch (spec.status) {
    case "creator": {
      const member: ChatMember = { status: "creator", user, is_anonymous: spec.isAnonymous ?? false }
      if (spec.customTitle !== undefined) member.custom_title = spec.customTitle
      return member
    }
    case "administrator": {
      const base = spec.rights === undefined ? fullAdminRights : { ...minimalAdminRights, ...spec.rights }
      const member: ChatMember = { status: "administrator", user, can_be_edited: user.id === world.opts.botId, ...base }
      if (spec.customTitle !== undefined) member.custom_title = spec.customTitle
      return member
    }
    case "member":
      return { status: "member", user }
    case "restricted":
      return {
        status: "restricted",
        user,
        is_member: spec.isMember ?? true,
        until_date: normalizeUntilDate(spec.untilDate, world.nowSec()),
        ...resolvePermissions(spec.permissions, spec.independent ?? true)
      }
    case "left":
      return { status: "left", user }
    case "kicked":
      return { status: "kicked", user, until_date: normalizeUntilDate(spec.untilDate, world.nowSec()) }
  }
}

const ownerOf = (world: World, ownerId: number | undefined): User => {
  if (ownerId !== undefined) return requireUser(world, ownerId)
  return world.users.get(DEFAULT_OWNER_ID)?.user ?? createUser(world, { id: DEFAULT_OWNER_ID, firstName: "Chat", lastName: "Owner" })
}

export const botSpec = (setup: BotSetup): MemberSpec | undefined => {
  if (setup === "none") return undefined
  if (setup === "member") return { status: "member" }
  if (setup === "admin") return { status: "administrator" }
  return { status: "administrator", rights: { ...fullAdminRights, ...setup } }
}

export const createChat = (world: World, type: "group" | "supergroup" | "channel", input: ChatInput): Chat => {
  const id = input.id ?? world.allocateChatId(type)
  if (world.chats.has(id)) fail(`chat ${id} already exists`)
  if (type === "group" && input.username !== undefined) fail("basic groups can't have a username")
  if (input.username !== undefined && world.findChatByUsername(input.username) !== undefined) fail(`@${input.username} is taken`)
  const owner = ownerOf(world, input.ownerId)
  const chat = world.newChat(id, type, input.title)
  chat.username = input.username
  chat.description = input.description
  chat.isForum = input.isForum === true && type === "supergroup"
  if (input.permissions !== undefined) chat.permissions = resolvePermissions({ ...defaultGroupPermissions, ...input.permissions }, true)
  const silent = { actor: owner, silent: true }
  changeMember(world, chat, owner.id, { status: "creator", user: owner, is_anonymous: false }, silent)
  const primary = world.allocateInviteLink()
  chat.inviteLinks.set(primary, { invite_link: primary, creator: owner, creates_join_request: false, is_primary: true, is_revoked: false })
  chat.primaryLink = primary
  for (const userId of input.members ?? []) {
    if (userId !== owner.id) changeMember(world, chat, userId, { status: "member", user: requireUser(world, userId) }, silent)
  }
  const bot = botSpec(input.bot ?? "admin")
  if (bot !== undefined) changeMember(world, chat, world.opts.botId, toChatMember(world, world.botUser, bot), silent)
  return world.chatObject(chat)
}

/** Makes channel the group's discussion channel (both sides point at each other, as on Telegram). */
export const linkDiscussion = (world: World, groupId: number, channelId: number): void => {
  const group = requireChat(world, groupId)
  const channel = requireChat(world, channelId)
  if (group.type !== "supergroup" || channel.type !== "channel") fail("link a supergroup to a channel")
  group.linkedChatId = channel.id
  channel.linkedChatId = group.id
}

/** Upgrades a basic group: members move to a new supergroup and the old id answers with migrate_to_chat_id. */
export const upgradeToSupergroup = (world: World, groupId: number): Chat => {
  const group = requireChat(world, groupId)
  if (group.type !== "group") fail("only basic groups can be upgraded")
  const supergroup = world.newChat(world.allocateChatId("supergroup"), "supergroup", group.title)
  supergroup.permissions = { ...group.permissions }
  let owner: User = world.botUser
  for (const [userId, member] of group.members) {
    supergroup.members.set(userId, member)
    if (member.status === "creator") owner = member.user
  }
  serviceMessage(world, group, owner, { migrate_to_chat_id: supergroup.id })
  group.migratedTo = supergroup.id
  serviceMessage(world, supergroup, owner, { migrate_from_chat_id: group.id })
  return world.chatObject(supergroup)
}
