import { GroupRepo, MemberRepo, RestrictionRepo, WhitelistRepo } from "@nezuko/db"
import type { ChatId } from "@nezuko/domain"
import { Clock, Effect, Option } from "effect"
import { ChatAdmins } from "./ChatAdmins.js"
import { decide, verifiable } from "./Decide.js"
import { Decisions } from "./Decisions.js"
import { GroupDirectory } from "./GroupDirectory.js"
import type { ChannelMemberInput } from "./Inputs.js"
import { JoinRequests } from "./JoinRequests.js"
import { Membership } from "./Membership.js"
import { Restrictor } from "./Restrictor.js"
import { Verification } from "./Verification.js"

/**
 * Channel leaves and rejoins (BOT-40, BOT-41). A leave mutes again only where the bot has seen the user; a
 * rejoin releases pending users, and approves their gated join requests, with no button press. Each group is handled on its own: one failure does not
 * stop the others.
 */
export class ChannelEvents extends Effect.Service<ChannelEvents>()("@nezuko/core/ChannelEvents", {
  effect: Effect.gen(function* () {
    const groups = yield* GroupRepo
    const members = yield* MemberRepo
    const restrictions = yield* RestrictionRepo
    const whitelist = yield* WhitelistRepo
    const directory = yield* GroupDirectory
    const membership = yield* Membership
    const admins = yield* ChatAdmins
    const restrictor = yield* Restrictor
    const verification = yield* Verification
    const joinRequests = yield* JoinRequests
    const decisions = yield* Decisions

    const isolated = (groupId: ChatId, work: Effect.Effect<void, unknown>) =>
      work.pipe(Effect.catchAllCause((cause) => Effect.logWarning("channel event failed for one group", cause).pipe(Effect.annotateLogs("chat_id", String(groupId)))))

    const onLeave = (e: ChannelMemberInput) =>
      Effect.gen(function* () {
        yield* membership.remember(e.channelId, e.user.id, false)
        const linked = yield* groups.enabledRequiring(e.channelId)
        const present = yield* members.presentIn(e.user.id, linked)
        yield* Effect.forEach(present, (groupId) => isolated(groupId, Effect.gen(function* () {
          const snapshot = yield* directory.get(groupId)
          if (Option.isNone(snapshot) || !directory.isEnforced(snapshot.value)) return
          const g = snapshot.value
          if (g.settings.onLeave === "lazy") return
          if (yield* admins.isAdmin(groupId, e.user.id).pipe(Effect.orElseSucceed(() => false))) return
          if (yield* whitelist.isWhitelisted(groupId, e.user.id)) return
          const startedAt = yield* Clock.currentTimeMillis
          const channels = verifiable(g.channels)
          const checks = yield* membership.checkAll(channels.map((c) => c.chatId), e.user.id)
          const decision = decide(channels, checks, g.settings)
          if (decision._tag !== "Restrict") return
          if (g.settings.dryRun) {
            // BOT-52: what the leave would have done, and no call.
            return yield* decisions.record({
              groupId, userId: e.user.id, trigger: "leave", decision: "dry_run", reason: "would_restrict", channelIds: channels.map((c) => c.chatId),
              missingChannelIds: decision.missing.map((c) => c.chatId), cached: checks.every((c) => c.cached), startedAt
            })
          }
          yield* restrictor.restrict({
            group: g, user: e.user, trigger: "leave", template: "prompt.leave", missing: decision.missing,
            checked: channels.map((c) => c.chatId), cached: checks.every((c) => c.cached), startedAt
          })
        })), { concurrency: 4, discard: true })
      })

    const onRejoin = (e: ChannelMemberInput) =>
      Effect.gen(function* () {
        yield* membership.remember(e.channelId, e.user.id, true)
        const pending = yield* restrictions.pendingForUser(e.user.id)
        yield* Effect.forEach(pending, (record) => isolated(record.groupId, Effect.gen(function* () {
          const snapshot = yield* directory.get(record.groupId)
          if (Option.isNone(snapshot)) return
          const g = snapshot.value
          if (!g.channels.some((c) => Number(c.chatId) === Number(e.channelId))) return
          const startedAt = yield* Clock.currentTimeMillis
          const channels = verifiable(g.channels)
          const checks = yield* membership.checkAll(channels.map((c) => c.chatId), e.user.id)
          if (decide(channels, checks, g.settings)._tag !== "Pass") return
          yield* verification.release(record, "rejoin", `channel:${e.channelId}`, startedAt, checks.every((c) => c.cached))
        })), { concurrency: 4, discard: true })
        // BOT-41: pending join requests of the user are approved the same way (BOT-46 step 6).
        yield* joinRequests.onChannelJoin(e.channelId, e.user.id).pipe(Effect.catchAllCause((cause) => Effect.logWarning("join request approval on rejoin failed", cause)))
      })

    return {
      onChannelMember: Effect.fn("ChannelEvents.onChannelMember")(function* (e: ChannelMemberInput) {
        if (e.wasMember && !e.isMember) return yield* onLeave(e)
        if (!e.wasMember && e.isMember) return yield* onRejoin(e)
      })
    } as const
  })
}) {}
