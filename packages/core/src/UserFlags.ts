import { RestrictionRepo, WhitelistRepo } from "@nezuko/db"
import type { ChatId, UserId } from "@nezuko/domain"
import { Cache, Clock, Duration, Effect, Exit, Option } from "effect"

/** CACHE-7's bound: a change made on another replica (or in the panel) counts here within 5 s. */
const ttl = Duration.seconds(5)
/**
 * Beyond this many rows a scope is not held in memory (a raid with tens of thousands of open records); its
 * users are then asked about one by one, as before.
 */
export const flagSetLimit = 20_000

type Scope = ChatId | "global"
interface Listing<A> {
  readonly complete: boolean
  readonly entries: A
}

/**
 * BOT-23 rows 8 and 9 for the hot path. Each replica keeps, per group, the users with an open record and the
 * whitelisted users (plus the global whitelist), re-read every 5 s: one query per group every 5 s instead of
 * one per message. The pending set is only a filter — a user in it still has their record read, so a stale
 * "pending" costs a query, and a stale "not pending" is what the restrict flow re-checks under its lock.
 * This replica drops a group's sets whenever it changes a record or the whitelist there.
 */
export class UserFlags extends Effect.Service<UserFlags>()("@nezuko/core/UserFlags", {
  effect: Effect.gen(function* () {
    const whitelist = yield* WhitelistRepo
    const restrictions = yield* RestrictionRepo
    const keep = (exit: Exit.Exit<unknown, unknown>) => (Exit.isSuccess(exit) ? ttl : Duration.zero)

    const whitelists = yield* Cache.makeWith({
      capacity: 20_000,
      lookup: (scope: Scope) =>
        Effect.map(whitelist.activeIn(scope === "global" ? null : scope, flagSetLimit + 1), (entries): Listing<ReadonlyMap<number, number | null>> => ({
          complete: entries.size <= flagSetLimit,
          entries
        })),
      timeToLive: keep
    })
    const pendings = yield* Cache.makeWith({
      capacity: 20_000,
      lookup: (groupId: ChatId) =>
        Effect.map(restrictions.pendingUserIds(groupId, flagSetLimit + 1), (entries): Listing<ReadonlySet<number>> => ({
          complete: entries.size <= flagSetLimit,
          entries
        })),
      timeToLive: keep
    })

    const listedIn = (scope: Scope, userId: UserId, now: number) =>
      Effect.map(whitelists.get(scope), (l) => {
        if (!l.complete) return Option.none<boolean>()
        const expiresAt = l.entries.get(userId)
        return Option.some(expiresAt !== undefined && (expiresAt === null || expiresAt > now))
      })

    const isWhitelisted = (groupId: ChatId, userId: UserId) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const [group, global] = yield* Effect.all([listedIn(groupId, userId, now), listedIn("global", userId, now)])
        if (Option.isSome(group) && Option.isSome(global)) return group.value || global.value
        return yield* whitelist.isWhitelisted(groupId, userId)
      })

    const pending = (groupId: ChatId, userId: UserId) =>
      Effect.flatMap(pendings.get(groupId), (l) =>
        l.complete && !l.entries.has(userId) ? Effect.succeedNone : restrictions.findPending(groupId, userId))

    return {
      isWhitelisted,
      pending,
      /** Called wherever this replica creates or closes a record or changes the whitelist for the pair. */
      forget: (groupId: ChatId, _userId: UserId) =>
        Effect.all([whitelists.invalidate(groupId), whitelists.invalidate("global"), pendings.invalidate(groupId)], { discard: true })
    } as const
  })
}) {}
