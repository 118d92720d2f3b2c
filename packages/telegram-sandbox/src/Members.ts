import type { ChatInviteLink, ChatMember, ChatMemberUpdated, User } from "@grammyjs/types"
import { serviceMessage } from "./Messages.js"
import type { ChatState, World } from "./World.js"

export interface ChangeContext {
  /** Who performed the change: the user themself for joins and leaves, an admin or the bot otherwise. */
  readonly actor: User
  readonly inviteLink?: ChatInviteLink | undefined
  readonly viaJoinRequest?: boolean | undefined
  /** World set-up: change the state without any update or service message. */
  readonly silent?: boolean | undefined
}

/**
 * Applies a member change and emits what Telegram emits: my_chat_member for the bot's own status,
 * chat_member for others (only where the bot is an administrator, and only if allowed_updates asks),
 * and new_chat_members / left_chat_member service messages in groups.
 */
export const changeMember = (world: World, chat: ChatState, userId: number, next: ChatMember, ctx: ChangeContext): void => {
  const old = world.member(chat, userId)
  const botWasAdmin = world.botAdmin(chat) !== undefined
  chat.members.set(userId, next)
  if (ctx.silent === true) return
  const update: ChatMemberUpdated = {
    chat: world.chatObject(chat),
    from: ctx.actor,
    date: world.nowSec(),
    old_chat_member: old,
    new_chat_member: next
  }
  if (ctx.inviteLink !== undefined) update.invite_link = ctx.inviteLink
  if (ctx.viaJoinRequest === true) update.via_join_request = true
  if (userId === world.opts.botId) {
    world.updates.push("my_chat_member", update)
  } else if (botWasAdmin && chat.type !== "private") {
    world.updates.push("chat_member", update)
  }
  if (chat.type !== "group" && chat.type !== "supergroup") return
  const wasIn = world.isMemberLike(old)
  const isIn = world.isMemberLike(next)
  if (!wasIn && isIn) serviceMessage(world, chat, ctx.actor, { new_chat_members: [next.user] })
  else if (wasIn && !isIn) serviceMessage(world, chat, ctx.actor, { left_chat_member: next.user })
}
