import { RestrictionRepo, WhitelistRepo } from "@nezuko/db"
import type { ChatId, UserId } from "@nezuko/domain"
import { Duration, Effect, Option } from "effect"
import { CacheEvents, followInvalidations } from "./CacheEvents.js"
import { makeLocalCache } from "./LocalCache.js"

/** Never older than CACHE-7's 5 s; renewed in the background while in use. */
const refreshAfter = Duration.seconds(3)
const maxAge = Duration.seconds(5)
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
 * whitelisted users (plus the global whitelist), renewed in the background while in use: a query per group
 * every few seconds instead of one per message. Either answer may be seconds old: the restrict flow re-reads
 * the record under its (group, user) lock before it acts, and decides afresh when the record is gone.
 * Whoever changes a record or the whitelist calls `forget`, which drops the group's sets here and, through
 * nz:inv, on every other replica and in the panel.
 */
export class UserFlags extends Effect.Service<UserFlags>()("@nezuko/core/UserFlags", {
  scoped: Effect.gen(function* () {
    const whitelist = yield* WhitelistRepo
    const restrictions = yield* RestrictionRepo
    const events = yield* CacheEvents

    const whitelists = yield* makeLocalCache({
      capacity: 20_000,
      refreshAfter,
      maxAge,
      lookup: (scope: Scope) =>
        Effect.map(whitelist.activeIn(scope === "global" ? null : scope, flagSetLimit + 1), (entries): Listing<ReadonlyMap<number, number | null>> => ({
          complete: entries.size <= flagSetLimit,
          entries
        }))
    })
    const pendings = yield* makeLocalCache({
      capacity: 20_000,
      refreshAfter,
      maxAge,
      lookup: (groupId: ChatId) =>
        Effect.map(restrictions.pendingUserIds(groupId, flagSetLimit + 1), (entries): Listing<ReadonlySet<number>> => ({
          complete: entries.size <= flagSetLimit,
          entries
        }))
    })

    const drop = (groupId: ChatId) =>
      Effect.all([whitelists.invalidate(groupId), whitelists.invalidate("global"), pendings.invalidate(groupId)], { discard: true })
    yield* followInvalidations(events, "flags", drop, Effect.zipRight(whitelists.invalidateAll, pendings.invalidateAll))

    // One reading of a held set for both paths below; undefined when the set is incomplete (over flagSetLimit),
    // so the user is asked about one by one.
    const listedAt = (l: Listing<ReadonlyMap<number, number | null>>, userId: UserId, now: number) => {
      if (!l.complete) return undefined
      const expiresAt = l.entries.get(userId)
      return expiresAt !== undefined && (expiresAt === null || expiresAt > now)
    }
    const pendingAt = (l: Listing<ReadonlySet<number>>, userId: UserId) => (l.complete ? l.entries.has(userId) : undefined)
    const eitherListed = (group: boolean | undefined, global: boolean | undefined) =>
      group === undefined || global === undefined ? undefined : group || global

    const listedIn = (scope: Scope, userId: UserId, now: number) => Effect.map(whitelists.get(scope), (l) => listedAt(l, userId, now))

    // Every group message asks: chained flatMaps rather than a generator over Effect.all, a third of the steps.
    const isWhitelisted = (groupId: ChatId, userId: UserId) =>
      Effect.clockWith((clock) => {
        const now = clock.unsafeCurrentTimeMillis()
        return Effect.flatMap(listedIn(groupId, userId, now), (group) =>
          Effect.flatMap(listedIn("global", userId, now), (global) => {
            const listed = eitherListed(group, global)
            return listed === undefined ? whitelist.isWhitelisted(groupId, userId) : Effect.succeed(listed)
          }))
      })

    const isPending = (groupId: ChatId, userId: UserId) =>
      Effect.flatMap(pendings.get(groupId), (l) => {
        const pending = pendingAt(l, userId)
        return pending === undefined ? Effect.map(restrictions.findPending(groupId, userId), Option.isSome) : Effect.succeed(pending)
      })

    // The same answers from this process's copies alone, undefined when a copy is missing, due for renewal or
    // incomplete (see `LocalCache.peek`).
    const listedHere = (scope: Scope, userId: UserId, now: number) => {
      const l = whitelists.peek(scope, now)
      return l === undefined ? undefined : listedAt(l, userId, now)
    }
    const isWhitelistedHere = (groupId: ChatId, userId: UserId, now: number) => {
      const group = listedHere(groupId, userId, now)
      return group === undefined ? undefined : eitherListed(group, listedHere("global", userId, now))
    }
    const isPendingHere = (groupId: ChatId, userId: UserId, now: number) => {
      const l = pendings.peek(groupId, now)
      return l === undefined ? undefined : pendingAt(l, userId)
    }

    return {
      isWhitelisted,
      /**
       * Whether the user has an open record here, from this process's copy: a hint for BOT-23 row 9 that can be
       * seconds old. Whoever acts on it re-reads the record under the (group, user) lock (Restrictor).
       */
      isPending,
      isWhitelistedHere,
      isPendingHere,
      /** Called wherever this replica creates or closes a record or changes the whitelist for the pair. */
      forget: (groupId: ChatId, _userId: UserId) => Effect.zipRight(drop(groupId), events.publish({ kind: "flags", id: groupId }))
    } as const
  })
}) {}
