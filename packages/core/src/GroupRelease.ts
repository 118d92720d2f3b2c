import { ChannelRepo, GroupRepo, JoinRequestRepo, RestrictionRepo } from "@nezuko/db"
import { ChannelId, ChatId } from "@nezuko/domain"
import { Clock, Effect, Option, Schema } from "effect"
import { releaseAllKind } from "./AdminReleases.js"
import { Jobs } from "./Jobs.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { Membership } from "./Membership.js"
import { timeoutKind } from "./TimeoutRules.js"
import { Verification } from "./Verification.js"

/**
 * BOT-16's jobs (OPS-16, P2): everyone released after a disable — SPEC's `release_all`, which `/release all`
 * (BOT-20) also uses; the reason tells the two apart, as /release all also exempts whom it releases — and pending
 * users re-checked after an unlink.
 */
export const UnprotectPayload = Schema.Struct({ group_id: ChatId, reason: Schema.Literal("unprotect") })
export const reevaluatePendingKind = "reevaluate_pending"
export const UnlinkPayload = Schema.Struct({ group_id: ChatId, channel_id: ChannelId })

/**
 * What turning protection off or dropping a channel leaves behind (BOT-16, CACHE-5), shared by /unprotect and
 * the panel. The command or form only records the change and enqueues a job, so its reply does not wait for one
 * restore per pending member; the bot's jobs role does that work at P2, and a restart loses none of it.
 */
export class GroupRelease extends Effect.Service<GroupRelease>()("@nezuko/core/GroupRelease", {
  effect: Effect.gen(function* () {
    const groups = yield* GroupRepo
    const channels = yield* ChannelRepo
    const restrictions = yield* RestrictionRepo
    const joinRequests = yield* JoinRequestRepo
    const jobs = yield* Jobs
    const membership = yield* Membership
    const verification = yield* Verification
    const store = yield* KeyValueStore

    /**
     * After `enabled = false`: the group's timeouts are cancelled (nothing is enforced any more), its gated
     * join requests are abandoned (the requests stay for human admins) and the release is queued. Returns how
     * many members it will release. Prompt clean-up jobs stay: they also remove welcome messages, and deleting
     * a prompt the release already deleted is harmless.
     */
    const disabled = Effect.fn("GroupRelease.disabled")(function* (groupId: ChatId) {
      yield* jobs.cancel({ kind: timeoutKind, payload: { group_id: Number(groupId) } })
      yield* joinRequests.abandonPending(groupId)
      const pending = (yield* restrictions.pendingInGroup(groupId)).length
      const payload: typeof UnprotectPayload.Type = { group_id: groupId, reason: "unprotect" }
      if (pending > 0) yield* jobs.scheduleIn(releaseAllKind, 0, payload, `${releaseAllKind}:unprotect:${groupId}`)
      return pending
    })

    /** After a channel's link is removed: pending users are re-checked, and a channel nobody links loses its cache. */
    const unlinked = Effect.fn("GroupRelease.unlinked")(function* (groupId: ChatId, channelId: ChannelId) {
      yield* jobs.scheduleIn(reevaluatePendingKind, 0, { group_id: groupId, channel_id: channelId })
    })

    /** The `release_all` job after a disable. Protection turned back on before it ran keeps everyone pending. */
    const runRelease = Effect.fn("GroupRelease.runRelease")(function* (payload: typeof UnprotectPayload.Type) {
      const group = yield* groups.findById(payload.group_id)
      if (Option.isNone(group) || group.value.enabled) return { released: 0 }
      let released = 0
      for (const record of yield* restrictions.pendingInGroup(payload.group_id)) {
        if (yield* verification.releaseRecord(record, "unprotect", "unprotect", 2)) released++
      }
      return { released }
    })

    /** The `reevaluate_pending` job: who now misses nothing is released (as verified); then CACHE-5's clean-up. */
    const runReevaluate = Effect.fn("GroupRelease.runReevaluate")(function* (payload: typeof UnlinkPayload.Type) {
      const remaining = (yield* channels.linkedTo(payload.group_id)).filter((c) => c.health !== "unverifiable").map((c) => c.chatId)
      let released = 0
      if (remaining.length > 0) {
        for (const record of yield* restrictions.pendingInGroup(payload.group_id)) {
          const startedAt = yield* Clock.currentTimeMillis
          const checks = yield* membership.checkAll(remaining, record.userId, { priority: 2 })
          if (checks.every((c) => c.result === "member") && (yield* verification.release(record, "manual", "unlink", startedAt, checks.every((c) => c.cached)))) released++
        }
      }
      const stillLinked = (yield* channels.linkedGroups(payload.channel_id)).length > 0
      const forgotten = stillLinked ? 0 : yield* store.removePrefix(`verify:${payload.channel_id}:`)
      return { released, forgotten }
    })

    return { disabled, unlinked, runRelease, runReevaluate } as const
  })
}) {}
