import type { ChatId, PriorMember, Restriction, UserId } from "@nezuko/domain"
import { Clock, Effect } from "effect"
import type { ChatMember, ChatPermissions } from "grammy/types"
import { GroupPermissions, mutedPermissions } from "./GroupPermissions.js"
import { Outbox } from "./Outbox.js"
import type { Priority } from "./RateLimiter.js"
import { TelegramApi } from "./TelegramApi.js"

const permissionKeys = [
  "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos", "can_send_video_notes",
  "can_send_voice_notes", "can_send_polls", "can_send_other_messages", "can_add_web_page_previews", "can_change_info",
  "can_invite_users", "can_pin_messages", "can_manage_topics"
] as const

/** What a member had before the bot acted (BOT-25 step 4); a restriction someone else set keeps its permissions and end. */
export const priorOf = (m: ChatMember): PriorMember => {
  if (m.status !== "restricted") return { status: m.status }
  const permissions: Record<string, boolean> = {}
  for (const key of permissionKeys) permissions[key] = Boolean(m[key])
  return { status: m.status, permissions, untilDate: m.until_date }
}

/** A restriction by someone else that already keeps the user from writing: the bot must not mute over it. */
export const isSilencedByOthers = (m: ChatMember) => m.status === "restricted" && !m.can_send_messages

export type RestoreOutcome = "restored" | "nothing_to_restore"

/** Mutes and restores (BOT-25 step 6, BOT-36): the only code that changes a member's permissions. */
export class Protection extends Effect.Service<Protection>()("@nezuko/core/Protection", {
  effect: Effect.gen(function* () {
    const telegram = yield* TelegramApi
    const permissions = yield* GroupPermissions
    const outbox = yield* Outbox

    /** All ten send rights off, the rest from the group's defaults, until now + `muteHours`. */
    const mute = Effect.fn("Protection.mute")(function* (groupId: ChatId, userId: UserId, muteHours: number) {
      const defaults = yield* permissions.get(groupId)
      const until = Math.floor((yield* Clock.currentTimeMillis) / 1000) + muteHours * 3600
      yield* telegram.restrictChatMember({
        chat_id: groupId,
        user_id: userId,
        permissions: mutedPermissions(defaults),
        use_independent_chat_permissions: true,
        until_date: until
      }, { priority: 1, kind: "mute" })
      return new Date(until * 1000)
    })

    /**
     * BOT-36: the earlier restriction another admin set, if it is still in the future; otherwise the group's
     * default permissions from getChat — never a hard-coded all-true set. Nothing when the bot never muted.
     */
    const restore = Effect.fn("Protection.restore")(function* (record: Restriction, priority: Priority = 0) {
      if (record.restrictedUntil === null || record.owner === "external") return "nothing_to_restore" as RestoreOutcome
      const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const prior = record.priorMember
      const priorUntil = prior?.untilDate ?? 0
      const keepPrior = prior?.permissions !== undefined && (priorUntil === 0 || priorUntil > now + 30)
      const target: ChatPermissions = keepPrior && prior?.permissions ? prior.permissions : yield* permissions.get(record.groupId)
      yield* telegram.restrictChatMember({
        chat_id: record.groupId,
        user_id: record.userId,
        permissions: target,
        use_independent_chat_permissions: true,
        ...(keepPrior && priorUntil > 0 ? { until_date: priorUntil } : {})
      }, { priority, kind: "restore" })
      return "restored" as RestoreOutcome
    })

    /**
     * Deleting a prompt or message that is already gone counts as done (LIM-7 MessageGone); one the open
     * `telegram` breaker turns away is queued in the outbox (LIM-13), or lost only if that fails too.
     */
    const deleteMessage = (chatId: ChatId, messageId: number, priority: Priority = 1) => {
      const payload = { chat_id: chatId, message_id: messageId }
      return telegram.deleteMessage(payload, { priority, kind: "delete" }).pipe(
        Effect.asVoid,
        Effect.catchTags({
          TelegramMessageGone: () => Effect.void,
          CircuitOpen: (open) =>
            outbox.enqueue("deleteMessage", payload, { priority, kind: "delete", dedupeKey: `delete:${chatId}:${messageId}` }).pipe(
              Effect.asVoid,
              Effect.catchAll(() => Effect.fail(open))
            )
        })
      )
    }

    return { mute, restore, deleteMessage } as const
  })
}) {}
