import { ChannelRepo } from "@nezuko/db"
import { ChannelId, type ChannelRef, ChannelNotFound, chatIdOfRef, type InvalidChannelRef, parseChannelRef } from "@nezuko/domain"
import { Data, Effect, Either, Option } from "effect"
import type { ChatFullInfo, ChatMember } from "grammy/types"
import { TelegramApi } from "./TelegramApi.js"
import { text } from "./Texts.js"

/**
 * A /protect pre-flight failure: the reply names exactly what is wrong and where (BOT-13). `notAdmin` marks the
 * authorization refusal (the bot answers it with its BOT-7 reply), so callers need not match translatable text.
 */
export class ProtectRefused extends Data.TaggedError("ProtectRefused")<{ readonly reply: string; readonly notAdmin?: boolean }> {}

/** Telegram's UI names of the rights BOT-4 needs. */
export const rightNames = { can_restrict_members: "Ban users", can_delete_messages: "Delete messages", can_invite_users: "Invite users via link" } as const

export const missingGroupRights = (me: ChatMember, joinGate: boolean): ReadonlyArray<string> => {
  if (me.status === "creator") return []
  if (me.status !== "administrator") return ["administrator", rightNames.can_restrict_members, rightNames.can_delete_messages]
  const missing: Array<string> = []
  if (!me.can_restrict_members) missing.push(rightNames.can_restrict_members)
  if (!me.can_delete_messages) missing.push(rightNames.can_delete_messages)
  if (joinGate && !me.can_invite_users) missing.push(rightNames.can_invite_users)
  return missing
}

export interface ResolvedChannel {
  readonly ref: string
  readonly chat: ChatFullInfo
  readonly inviteLink: string
  readonly inviteLinkByBot: boolean
}

/** Steps 4–7 of BOT-13 for one reference: resolve, check type, the bot's admin status, a probe, an invite link. */
export class ChannelResolver extends Effect.Service<ChannelResolver>()("@nezuko/core/ChannelResolver", {
  effect: Effect.gen(function* () {
    const telegram = yield* TelegramApi
    const channels = yield* ChannelRepo

    const resolve = Effect.fn("ChannelResolver.resolve")(function* (raw: string, botId: number, callerId: number) {
      const parsed: Either.Either<ChannelRef, InvalidChannelRef> = parseChannelRef(raw)
      if (Either.isLeft(parsed)) return yield* new ProtectRefused({ reply: text("protect.err.invalid_ref", { ref: raw, reason: parsed.left.reason }) })
      const chat = yield* telegram.getChat({ chat_id: chatIdOfRef(parsed.right) }).pipe(
        Effect.catchTags({
          TelegramChatUnavailable: () => new ChannelNotFound({ ref: raw }),
          TelegramPermanent: () => new ChannelNotFound({ ref: raw })
        }),
        Effect.mapError((e) => e._tag === "ChannelNotFound"
          ? new ProtectRefused({ reply: text("protect.err.not_found", { ref: raw }) })
          : e)
      )
      if (chat.type !== "channel") return yield* new ProtectRefused({ reply: text("protect.err.not_channel", { ref: raw }) })
      const title = chat.title ?? raw
      const me = yield* telegram.getChatMember({ chat_id: chat.id, user_id: botId }).pipe(Effect.option)
      if (Option.isNone(me) || me.value.status !== "administrator") {
        return yield* new ProtectRefused({ reply: text("protect.err.channel_admin", { title }) })
      }
      const probe = yield* telegram.getChatMember({ chat_id: chat.id, user_id: callerId }).pipe(Effect.either)
      if (Either.isLeft(probe) && probe.left._tag !== "TelegramUserNotFound") {
        return yield* new ProtectRefused({ reply: text("protect.err.probe_failed", { title }) })
      }
      const link = yield* inviteLink(chat)
      if (Option.isNone(link)) {
        return yield* new ProtectRefused({ reply: text("protect.err.no_invite_link", { title }) })
      }
      return { ref: raw, chat, inviteLink: link.value.url, inviteLinkByBot: link.value.byBot } satisfies ResolvedChannel
    })

    // BOT-14: a public username, a stored link, the chat's own link, or one the bot creates. Never t.me/<id>.
    const inviteLink = (chat: ChatFullInfo) =>
      Effect.gen(function* () {
        if (chat.username) return Option.some({ url: `https://t.me/${chat.username}`, byBot: false })
        const stored = yield* channels.findById(ChannelId.make(chat.id)).pipe(Effect.map(Option.flatMap((c) => Option.fromNullable(c.inviteLink))))
        if (Option.isSome(stored)) return Option.some({ url: stored.value, byBot: false })
        if (chat.invite_link) return Option.some({ url: chat.invite_link, byBot: false })
        const created = yield* telegram.createChatInviteLink({ chat_id: chat.id, name: "Nezuko" }).pipe(Effect.option)
        return Option.map(created, (l) => ({ url: l.invite_link, byBot: true }))
      })

    return { resolve } as const
  })
}) {}
