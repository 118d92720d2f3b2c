import type { ChatFullInfo, ChatMember } from "@grammyjs/types"
import { badRequest, Texts } from "../ApiError.js"
import { changeMember } from "../Members.js"
import { optBool, optObject, type Params, userIdParam } from "../Params.js"
import { type FullPermissions, permissionKeys, resolvePermissions } from "../Permissions.js"
import type { ChatState, World } from "../World.js"
import { lookupChat, requireBotIn } from "./Access.js"
import type { Core } from "./Core.js"

const giftTypes = { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false, gifts_from_channels: false }

export const chatFullInfo = (world: World, chat: ChatState): ChatFullInfo => {
  const common = { accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: giftTypes }
  // Telegram shows the primary link only to admins who may invite.
  const link = world.botHasRight(chat, "can_invite_users") ? chat.primaryLink : undefined
  switch (chat.type) {
    case "private": {
      const user = world.users.get(chat.id)?.user
      const info: ChatFullInfo.PrivateChat = { id: chat.id, type: "private", first_name: user?.first_name ?? chat.title, ...common }
      if (user?.last_name !== undefined) info.last_name = user.last_name
      if (user?.username !== undefined) info.username = user.username
      return info
    }
    case "group": {
      const info: ChatFullInfo.GroupChat = { id: chat.id, type: "group", title: chat.title, ...common, permissions: { ...chat.permissions } }
      if (link !== undefined) info.invite_link = link
      if (chat.description !== undefined) info.description = chat.description
      return info
    }
    case "supergroup": {
      const info: ChatFullInfo.SupergroupChat = { id: chat.id, type: "supergroup", title: chat.title, ...common, permissions: { ...chat.permissions } }
      if (chat.username !== undefined) info.username = chat.username
      if (link !== undefined) info.invite_link = link
      if (chat.linkedChatId !== undefined) info.linked_chat_id = chat.linkedChatId
      if (chat.description !== undefined) info.description = chat.description
      if (chat.isForum) info.is_forum = true
      return info
    }
    case "channel": {
      const info: ChatFullInfo.ChannelChat = { id: chat.id, type: "channel", title: chat.title, ...common }
      if (chat.username !== undefined) info.username = chat.username
      if (link !== undefined) info.invite_link = link
      if (chat.linkedChatId !== undefined) info.linked_chat_id = chat.linkedChatId
      if (chat.description !== undefined) info.description = chat.description
      return info
    }
  }
}

export const getChat = (core: Core, params: Params): ChatFullInfo => {
  const chat = lookupChat(core.world, params)
  requireBotIn(core.world, chat, { publicOk: true })
  return chatFullInfo(core.world, chat)
}

/** Only channel admins may read a channel's member list; anyone else gets "member list is inaccessible". */
const requireMemberListAccess = (world: World, chat: ChatState, userId?: number): void => {
  if (chat.type === "private") throw badRequest("there are no administrators in the private chat")
  requireBotIn(world, chat, { publicOk: true })
  if (chat.type === "channel" && world.botAdmin(chat) === undefined && userId !== world.opts.botId) {
    throw badRequest(Texts.memberListInaccessible)
  }
}

export const getChatMember = (core: Core, params: Params): ChatMember => {
  const { world } = core
  const chat = lookupChat(world, params)
  const userId = userIdParam(params)
  if (chat.type === "private") {
    if (userId !== chat.id && userId !== world.opts.botId) throw badRequest(Texts.userNotFound)
    const user = world.users.get(userId)?.user
    if (user === undefined) throw badRequest(Texts.userNotFound)
    return { status: "member", user }
  }
  requireMemberListAccess(world, chat, userId)
  if (!world.users.has(userId)) throw badRequest(Texts.userNotFound)
  return world.member(chat, userId)
}

export const getChatAdministrators = (core: Core, params: Params): Array<ChatMember> => {
  const { world } = core
  const chat = lookupChat(world, params)
  requireMemberListAccess(world, chat)
  const admins: Array<ChatMember> = []
  for (const userId of chat.members.keys()) {
    const member = world.member(chat, userId)
    if (world.isAdminLike(member)) admins.push(member)
  }
  return admins
}

export const getChatMemberCount = (core: Core, params: Params): number => {
  const { world } = core
  const chat = lookupChat(world, params)
  if (chat.type === "private") return 2
  requireBotIn(world, chat, { publicOk: true })
  let count = 0
  for (const userId of chat.members.keys()) if (world.isMemberLike(world.member(chat, userId))) count++
  return count
}

export const leaveChat = (core: Core, params: Params): true => {
  const { world } = core
  const chat = lookupChat(world, params)
  if (chat.type === "private") throw badRequest("chat member status can't be changed in private chats")
  requireBotIn(world, chat)
  changeMember(world, chat, world.opts.botId, { status: "left", user: world.botUser }, { actor: world.botUser })
  return true
}

const samePermissions = (a: FullPermissions, b: FullPermissions): boolean => permissionKeys.every((key) => a[key] === b[key])

export const setChatPermissions = (core: Core, params: Params): true => {
  const { world } = core
  const chat = lookupChat(world, params)
  if (chat.type !== "group" && chat.type !== "supergroup") throw badRequest("method is available only for supergroups and groups")
  requireBotIn(world, chat)
  if (!world.botHasRight(chat, "can_restrict_members")) throw badRequest("not enough rights to change chat permissions")
  const input = optObject(params, "permissions")
  if (input === undefined) throw badRequest('parameter "permissions" is required')
  const next = resolvePermissions(input, optBool(params, "use_independent_chat_permissions") ?? false)
  if (samePermissions(next, chat.permissions)) throw badRequest("CHAT_NOT_MODIFIED")
  chat.permissions = next
  return true
}
