import { RestrictionRepo, WhitelistRepo } from "@nezuko/db"
import type { ChatId, UserId } from "@nezuko/domain"
import { Clock, Duration, Effect, Option, Runtime } from "effect"
import { CacheEvents } from "./CacheEvents.js"
import { makeLocalCache } from "./LocalCache.js"

/** Re-read in the background after 5 s of use; without nz:inv (Redis down) never older than 60 s. */
const fresh = Duration.seconds(5)
const maxAge = Duration.seconds(60)
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
 * whitelisted users (plus the global whitelist), refreshed in the background: a few queries per group and
 * minute instead of one per message. The pending set is only a filter — a user in it still has their record
 * read, so a stale "pending" costs a query, and a stale "not pending" is what the restrict flow re-checks
 * under its lock. Whoever changes a record or the whitelist calls `forget`, which drops the group's sets here
 * and, through nz:inv, on every other replica and in the panel.
 */
export class UserFlags extends Effect.Service<UserFlags>()("@nezuko/core/UserFlags", {
  scoped: Effect.gen(function* () {
    const whitelist = yield* WhitelistRepo
    const restrictions = yield* RestrictionRepo
    const events = yield* CacheEvents

    const whitelists = yield* makeLocalCache({
      capacity: 20_000,
      fresh,
      maxAge,
      lookup: (scope: Scope) =>
        Effect.map(whitelist.activeIn(scope === "global" ? null : scope, flagSetLimit + 1), (entries): Listing<ReadonlyMap<number, number | null>> => ({
          complete: entries.size <= flagSetLimit,
          entries
        }))
    })
    const pendings = yield* makeLocalCache({
      capacity: 20_000,
      fresh,
      maxAge,
      lookup: (groupId: ChatId) =>
        Effect.map(restrictions.pendingUserIds(groupId, flagSetLimit + 1), (entries): Listing<ReadonlySet<number>> => ({
          complete: entries.size <= flagSetLimit,
          entries
        }))
    })

    const drop = (groupId: ChatId) =>
      Effect.all([whitelists.invalidate(groupId), whitelists.invalidate("global"), pendings.invalidate(groupId)], { discard: true })
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    yield* events.subscribe((event) => {
      if (event.kind === "flags") runFork(drop(event.id as ChatId))
      else if (event.kind === "all") runFork(Effect.zipRight(whitelists.invalidateAll, pendings.invalidateAll))
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
      forget: (groupId: ChatId, _userId: UserId) => Effect.zipRight(drop(groupId), events.publish({ kind: "flags", id: groupId }))
    } as const
  })
}) {}
