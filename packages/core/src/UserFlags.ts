import { RestrictionRepo, WhitelistRepo } from "@nezuko/db"
import type { ChatId, UserId } from "@nezuko/domain"
import { Cache, Duration, Effect, Exit, Option } from "effect"

const negativeTtl = Duration.seconds(10)

/**
 * BOT-23 rows 8 and 9 for the hot path: "not whitelisted" and "no open record" are remembered per process for
 * 10 s, so a member's message costs no database query; a positive answer is never cached. Stale negatives are
 * safe: the restrict flow re-reads the record under its lock, and this replica forgets a pair it changes.
 */
export class UserFlags extends Effect.Service<UserFlags>()("@nezuko/core/UserFlags", {
  effect: Effect.gen(function* () {
    const whitelist = yield* WhitelistRepo
    const restrictions = yield* RestrictionRepo
    const split = (key: string) => {
      const [g, u] = key.split(":")
      return { groupId: Number(g) as ChatId, userId: Number(u) as UserId }
    }
    const whitelisted = yield* Cache.makeWith({
      capacity: 100_000,
      lookup: (key: string) => Effect.suspend(() => {
        const { groupId, userId } = split(key)
        return whitelist.isWhitelisted(groupId, userId)
      }),
      timeToLive: (exit) => (Exit.isSuccess(exit) && !exit.value ? negativeTtl : Duration.zero)
    })
    const pending = yield* Cache.makeWith({
      capacity: 100_000,
      lookup: (key: string) => Effect.suspend(() => {
        const { groupId, userId } = split(key)
        return restrictions.findPending(groupId, userId)
      }),
      timeToLive: (exit) => (Exit.isSuccess(exit) && Option.isNone(exit.value) ? negativeTtl : Duration.zero)
    })
    const key = (groupId: ChatId, userId: UserId) => `${groupId}:${userId}`
    return {
      isWhitelisted: (groupId: ChatId, userId: UserId) => whitelisted.get(key(groupId, userId)),
      pending: (groupId: ChatId, userId: UserId) => pending.get(key(groupId, userId)),
      /** Called wherever this replica creates a record or changes the whitelist for the pair. */
      forget: (groupId: ChatId, userId: UserId) =>
        Effect.zipRight(whitelisted.invalidate(key(groupId, userId)), pending.invalidate(key(groupId, userId)))
    } as const
  })
}) {}
