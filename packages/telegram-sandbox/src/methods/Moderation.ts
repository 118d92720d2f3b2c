import type { ChatMember } from "@grammyjs/types"
import { badRequest, Texts } from "../ApiError.js"
import { changeMember } from "../Members.js"
import { optBool, optInt, optObject, type Params, userIdParam } from "../Params.js"
import { allPermissionsGranted, normalizeUntilDate, resolvePermissions } from "../Permissions.js"
import type { ChatState, World } from "../World.js"
import { lookupChat, requireBotIn, requireKnownUser } from "./Access.js"
import type { Core } from "./Core.js"

/** The checks restrict/ban/unban share, in Telegram's order: chat, bot's right, target. */
const moderationTarget = (world: World, chat: ChatState, userId: number, ownerText: string): ChatMember => {
  requireBotIn(world, chat)
  if (!world.botHasRight(chat, "can_restrict_members")) throw badRequest(Texts.notEnoughRightsRestrict)
  requireKnownUser(world, userId)
  if (userId === world.opts.botId) throw badRequest(Texts.cantRestrictSelf)
  const member = world.member(chat, userId)
  if (member.status === "creator") throw badRequest(ownerText)
  if (member.status === "administrator") throw badRequest(Texts.userIsAdmin)
  return member
}

export const restrictChatMember = (core: Core, params: Params): true => {
  const { world } = core
  const chat = lookupChat(world, params)
  if (chat.type !== "supergroup") throw badRequest(Texts.onlySupergroups)
  const userId = userIdParam(params)
  const current = moderationTarget(world, chat, userId, Texts.userIsAdmin)
  const input = optObject(params, "permissions")
  if (input === undefined) throw badRequest('parameter "permissions" is required')
  const permissions = resolvePermissions(input, optBool(params, "use_independent_chat_permissions") ?? false)
  const untilDate = normalizeUntilDate(optInt(params, "until_date"), world.nowSec())
  const isMember = world.isMemberLike(current)
  let next: ChatMember
  // As in TDLib: granting every permission lifts the restriction; anything less keeps "restricted".
  if (allPermissionsGranted(permissions)) next = isMember ? { status: "member", user: current.user } : { status: "left", user: current.user }
  else next = { status: "restricted", user: current.user, is_member: isMember, until_date: untilDate, ...permissions }
  changeMember(world, chat, userId, next, { actor: world.botUser })
  return true
}

export const banChatMember = (core: Core, params: Params): true => {
  const { world } = core
  const chat = lookupChat(world, params)
  if (chat.type === "private") throw badRequest("can't ban members in private chats")
  const userId = userIdParam(params)
  const current = moderationTarget(world, chat, userId, Texts.cantRemoveOwner)
  const untilDate = normalizeUntilDate(optInt(params, "until_date"), world.nowSec())
  // Basic groups have no ban list: a banned member is simply removed.
  const next: ChatMember = chat.type === "group" ? { status: "left", user: current.user } : { status: "kicked", user: current.user, until_date: untilDate }
  changeMember(world, chat, userId, next, { actor: world.botUser })
  if (optBool(params, "revoke_messages") === true || chat.type === "group") {
    for (const stored of chat.messages.values()) {
      if (stored.message.from?.id === userId && stored.message.new_chat_members === undefined && !stored.deleted) {
        stored.deleted = true
        stored.deletedAt = world.nowMs()
      }
    }
  }
  return true
}

/** Without only_if_banned, unbanning a present member removes them (Bot API docs). */
export const unbanChatMember = (core: Core, params: Params): true => {
  const { world } = core
  const chat = lookupChat(world, params)
  if (chat.type !== "supergroup" && chat.type !== "channel") throw badRequest(Texts.supergroupOrChannelOnly)
  const userId = userIdParam(params)
  const onlyIfBanned = optBool(params, "only_if_banned") ?? false
  requireBotIn(world, chat)
  if (!world.botHasRight(chat, "can_restrict_members")) throw badRequest(Texts.notEnoughRightsRestrict)
  requireKnownUser(world, userId)
  const current = world.member(chat, userId)
  if (current.status === "kicked") {
    changeMember(world, chat, userId, { status: "left", user: current.user }, { actor: world.botUser })
    return true
  }
  if (onlyIfBanned || current.status === "left") return true
  if (userId === world.opts.botId) throw badRequest(Texts.cantRestrictSelf)
  if (current.status === "creator") throw badRequest(Texts.cantRemoveOwner)
  if (current.status === "administrator") throw badRequest(Texts.userIsAdmin)
  changeMember(world, chat, userId, { status: "left", user: current.user }, { actor: world.botUser })
  return true
}

const senderChatTarget = (core: Core, params: Params): { chat: ChatState; senderChatId: number } => {
  const { world } = core
  const chat = lookupChat(world, params)
  if (chat.type !== "supergroup" && chat.type !== "channel") throw badRequest(Texts.supergroupOrChannelOnly)
  requireBotIn(world, chat)
  if (!world.botHasRight(chat, "can_restrict_members")) throw badRequest(Texts.notEnoughRightsRestrict)
  const senderChatId = optInt(params, "sender_chat_id")
  if (senderChatId === undefined || !world.chats.has(senderChatId) || senderChatId > 0) throw badRequest("sender_chat_id is invalid")
  if (senderChatId === chat.id) throw badRequest("can't ban self")
  return { chat, senderChatId }
}

export const banChatSenderChat = (core: Core, params: Params): true => {
  const { chat, senderChatId } = senderChatTarget(core, params)
  chat.bannedSenderChats.add(senderChatId)
  return true
}

export const unbanChatSenderChat = (core: Core, params: Params): true => {
  const { chat, senderChatId } = senderChatTarget(core, params)
  chat.bannedSenderChats.delete(senderChatId)
  return true
}
