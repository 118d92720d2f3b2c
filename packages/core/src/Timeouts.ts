import { RestrictionRepo } from "@nezuko/db"
import type { ChatId, Restriction, UserId } from "@nezuko/domain"
import { Clock, Data, Effect, Option } from "effect"
import type { ChatMember } from "grammy/types"
import { ChatAdmins } from "./ChatAdmins.js"
import { Decisions } from "./Decisions.js"
import { GroupDirectory } from "./GroupDirectory.js"
import { Membership } from "./Membership.js"
import { TelegramApi, type TelegramError } from "./TelegramApi.js"
import { escalationWindowDays, timeoutPenalty, type TimeoutPayload } from "./TimeoutRules.js"
import { UserFlags } from "./UserFlags.js"
import { Verification } from "./Verification.js"

/** A check or call that may succeed later: the job is retried along its ladder (LIM-6 "Timeout ban/unban"). */
export class TimeoutRetryLater extends Data.TaggedError("TimeoutRetryLater")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

export type TimeoutOutcome =
  | "not_pending" | "group_off" | "stay_muted" | "verified" | "left_group" | "superseded" | "admin" | "kicked" | "banned" | "failed"

const retryable = (e: TelegramError) =>
  e._tag === "TelegramTransient" || e._tag === "TelegramRateLimited" || e._tag === "CircuitOpen" || e._tag === "RateLimitDropped"

/**
 * BOT-38: at a pending record's deadline, a fresh membership check; members are verified and restored,
 * everybody else is kicked (ban + unban only_if_banned, so other admins' bans survive) or banned. The prompt
 * is deleted and nothing is posted.
 */
export class Timeouts extends Effect.Service<Timeouts>()("@nezuko/core/Timeouts", {
  effect: Effect.gen(function* () {
    const restrictions = yield* RestrictionRepo
    const directory = yield* GroupDirectory
    const membership = yield* Membership
    const telegram = yield* TelegramApi
    const verification = yield* Verification
    const decisions = yield* Decisions
    const admins = yield* ChatAdmins
    const flags = yield* UserFlags

    const closeQuietly = (record: Restriction, state: "left_group" | "superseded" | "released", by: string) =>
      Effect.gen(function* () {
        const closed = yield* restrictions.close(record.id, state, by)
        if (closed) yield* verification.deletePromptOf(record)
        yield* flags.forget(record.groupId, record.userId)
        return closed
      })

    const memberOf = (groupId: ChatId, userId: UserId) =>
      telegram.getChatMember({ chat_id: groupId, user_id: userId }, { priority: 1, kind: "membership" }).pipe(
        Effect.map(Option.some<ChatMember>),
        Effect.catchTag("TelegramUserNotFound", () => Effect.succeed(Option.none<ChatMember>())),
        Effect.catchIf(retryable, (e) => new TimeoutRetryLater({ reason: `getChatMember: ${e._tag}` }))
      )

    const run = Effect.fn("Timeouts.run")(function* (payload: TimeoutPayload) {
      const startedAt = yield* Clock.currentTimeMillis
      const groupId = payload.group_id
      const userId = payload.user_id
      const pending = yield* restrictions.findPending(groupId, userId)
      if (Option.isNone(pending) || pending.value.id !== payload.restriction_id) return "not_pending" as TimeoutOutcome
      const record = pending.value
      const snapshot = yield* directory.get(groupId)
      // A disabled or removed group's records are released by /unprotect and the reconciler, not punished.
      if (Option.isNone(snapshot) || !snapshot.value.enabled) return "group_off" as TimeoutOutcome
      const group = snapshot.value
      if (group.settings.timeoutAction === "mute") return "stay_muted" as TimeoutOutcome

      // Fresh checks, cache bypassed, at P1; an unreadable channel does not count against the user.
      const channels = group.channels.filter((c) => c.health !== "unverifiable").map((c) => c.chatId)
      const checks = yield* membership.checkAll(channels, userId, { bypassCache: true, priority: 1 })
      const missing = checks.filter((c) => c.result === "not_member")
      if (missing.length === 0) {
        if (checks.some((c) => c.result === "unknown" && c.unknownReason === "transient")) {
          return yield* new TimeoutRetryLater({ reason: "membership unknown" })
        }
        yield* verification.release(record, "timeout", "timeout", startedAt, false)
        yield* flags.forget(groupId, userId)
        return "verified" as TimeoutOutcome
      }

      const member = yield* memberOf(groupId, userId)
      const status = Option.match(member, { onNone: () => "left", onSome: (m) => (m.status === "restricted" && !m.is_member ? "left" : m.status) })
      if (status === "left") {
        yield* closeQuietly(record, "left_group", "left")
        return "left_group" as TimeoutOutcome
      }
      if (status === "kicked") {
        yield* closeQuietly(record, "superseded", "admin")
        return "superseded" as TimeoutOutcome
      }
      if (status === "creator" || status === "administrator") {
        yield* closeQuietly(record, "released", "target_is_admin")
        yield* admins.invalidate(groupId)
        yield* decisions.record({ groupId, userId, trigger: "timeout", decision: "exempt", reason: "admin", startedAt })
        return "admin" as TimeoutOutcome
      }

      const now = yield* Clock.currentTimeMillis
      const recentKicks = Number(yield* restrictions.countKickedSince(groupId, userId, new Date(now - escalationWindowDays * 86_400_000)))
      const penalty = timeoutPenalty(group.settings, recentKicks, Math.floor(now / 1000))
      if (Option.isNone(penalty)) return "stay_muted" as TimeoutOutcome
      const p = penalty.value
      const missingIds = missing.map((c) => c.channelId)
      // BOT-52: a dry run (switched on after this mute) records the kick or ban it would make, and makes none.
      if (group.settings.dryRun) {
        yield* decisions.record({
          groupId, userId, trigger: "timeout", decision: "dry_run", reason: `would_${p.action}`, channelIds: channels, missingChannelIds: missingIds,
          cached: false, startedAt
        })
        return "stay_muted" as TimeoutOutcome
      }

      const banned = yield* Effect.either(
        telegram.banChatMember({ chat_id: groupId, user_id: userId, until_date: p.untilDate }, { priority: 1, kind: "ban" })
      )
      if (banned._tag === "Left") {
        const e = banned.left
        if (retryable(e)) return yield* new TimeoutRetryLater({ reason: `banChatMember: ${e._tag}` })
        if (e._tag === "TelegramTargetIsAdmin") {
          yield* closeQuietly(record, "released", "target_is_admin")
          yield* admins.invalidate(groupId)
          yield* decisions.record({ groupId, userId, trigger: "timeout", decision: "exempt", reason: "admin", startedAt })
          return "admin" as TimeoutOutcome
        }
        // Rights or the chat are gone: the user stays muted; the failure is on the record (BOT-28, LIM-7).
        yield* Effect.logWarning(`timeout ${p.action} failed: ${e._tag}`).pipe(Effect.annotateLogs({ chat_id: String(groupId), user_id: String(userId) }))
        yield* decisions.record({
          groupId, userId, trigger: "timeout", decision: p.action, reason: "failed", channelIds: channels, missingChannelIds: missingIds,
          cached: false, startedAt, errorCode: e._tag
        })
        return "failed" as TimeoutOutcome
      }
      // The record is closed before the unban: a retry must never take our own ban for someone else's.
      yield* restrictions.close(record.id, p.action === "kick" ? "kicked" : "banned", "timeout")
      yield* flags.forget(groupId, userId)
      if (p.action === "kick") {
        // The 60 s ban ends on its own; unbanning only lets them rejoin at once, and never lifts another admin's ban.
        yield* telegram.unbanChatMember({ chat_id: groupId, user_id: userId, only_if_banned: true }, { priority: 1, kind: "ban" }).pipe(
          Effect.catchAll((e) => Effect.logWarning(`unban after kick failed: ${e._tag}`))
        )
      }
      yield* verification.deletePromptOf(record)
      yield* decisions.record({
        groupId, userId, trigger: "timeout", decision: p.action, reason: p.action === "ban" && p.escalated ? "escalated" : null,
        channelIds: channels, missingChannelIds: missingIds, cached: false, startedAt
      })
      return (p.action === "kick" ? "kicked" : "banned") as TimeoutOutcome
    })

    return { run } as const
  })
}) {}
