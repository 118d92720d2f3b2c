import type { ChatInviteLink, ChatMember } from "@grammyjs/types"
import { badRequest, Texts } from "../ApiError.js"
import { changeMember } from "../Members.js"
import { optBool, optInt, optStr, type Params, userIdParam } from "../Params.js"
import type { ChatState, World } from "../World.js"
import { lookupChat, requireBotIn } from "./Access.js"
import type { Core } from "./Core.js"

const requireInviteRight = (world: World, chat: ChatState, text: string): void => {
  if (chat.type === "private") throw badRequest("can't invite members to a private chat")
  requireBotIn(world, chat)
  if (!world.botHasRight(chat, "can_invite_users")) throw badRequest(text)
}

export const createChatInviteLink = (core: Core, params: Params): ChatInviteLink => {
  const { world } = core
  const chat = lookupChat(world, params)
  requireInviteRight(world, chat, "not enough rights to manage chat invite link")
  const name = optStr(params, "name")
  if (name !== undefined && name.length > 32) throw badRequest("invite link name is too long")
  const createsJoinRequest = optBool(params, "creates_join_request") ?? false
  const memberLimit = optInt(params, "member_limit")
  if (createsJoinRequest && memberLimit !== undefined) {
    throw badRequest("member limit can't be specified for links requiring administrator approval")
  }
  if (memberLimit !== undefined && (memberLimit < 1 || memberLimit > 99_999)) throw badRequest("USAGE_LIMIT_INVALID")
  const link: ChatInviteLink = {
    invite_link: world.allocateInviteLink(),
    creator: world.botUser,
    creates_join_request: createsJoinRequest,
    is_primary: false,
    is_revoked: false
  }
  if (name !== undefined) link.name = name
  const expireDate = optInt(params, "expire_date")
  if (expireDate !== undefined && expireDate > 0) link.expire_date = expireDate
  if (memberLimit !== undefined) link.member_limit = memberLimit
  chat.inviteLinks.set(link.invite_link, link)
  return link
}

/** Replaces the primary link; the old one stops working. */
export const exportChatInviteLink = (core: Core, params: Params): string => {
  const { world } = core
  const chat = lookupChat(world, params)
  requireInviteRight(world, chat, "not enough rights to export chat invite link")
  const previous = chat.primaryLink === undefined ? undefined : chat.inviteLinks.get(chat.primaryLink)
  if (previous !== undefined) previous.is_revoked = true
  const link: ChatInviteLink = { invite_link: world.allocateInviteLink(), creator: world.botUser, creates_join_request: false, is_primary: true, is_revoked: false }
  chat.inviteLinks.set(link.invite_link, link)
  chat.primaryLink = link.invite_link
  return link.invite_link
}

const pendingRequest = (core: Core, params: Params): { chat: ChatState; userId: number } => {
  const { world } = core
  const chat = lookupChat(world, params)
  if (chat.type !== "supergroup" && chat.type !== "channel") throw badRequest(Texts.supergroupOrChannelOnly)
  requireInviteRight(world, chat, Texts.chatAdminRequired)
  const userId = userIdParam(params)
  if (!world.users.has(userId)) throw badRequest(Texts.participantInvalid)
  if (!chat.joinRequests.has(userId)) {
    if (world.isMemberLike(world.member(chat, userId))) throw badRequest(Texts.alreadyParticipant)
    throw badRequest(Texts.requesterMissing)
  }
  return { chat, userId }
}

export const approveChatJoinRequest = (core: Core, params: Params): true => {
  const { world } = core
  const { chat, userId } = pendingRequest(core, params)
  const request = chat.joinRequests.get(userId)
  chat.joinRequests.delete(userId)
  const current = world.member(chat, userId)
  const next: ChatMember =
    current.status === "restricted" ? { ...current, is_member: true } : { status: "member", user: current.user }
  changeMember(world, chat, userId, next, { actor: current.user, inviteLink: request?.inviteLink, viaJoinRequest: request?.inviteLink === undefined })
  return true
}

export const declineChatJoinRequest = (core: Core, params: Params): true => {
  const { chat, userId } = pendingRequest(core, params)
  chat.joinRequests.delete(userId)
  return true
}
