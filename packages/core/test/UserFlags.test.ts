import { SqlClient } from "@effect/sql"
import { layer } from "@effect/vitest"
import { RestrictionRepo, WhitelistRepo } from "@nezuko/db"
import { ChatId, UserId } from "@nezuko/domain"
import { PgliteTest } from "@nezuko/testing"
import { Effect, Layer, TestClock } from "effect"
import { type CacheEvent, CacheEvents } from "../src/CacheEvents.js"
import { expect } from "vitest"
import { flagSetLimit, UserFlags } from "../src/UserFlags.js"

const G = ChatId.make(-100500)
const U = UserId.make(11)
const V = UserId.make(12)

const pendingRow = (sql: SqlClient.SqlClient, userId: number) =>
  sql`INSERT INTO restrictions (group_id, user_id, trigger) VALUES (${G}, ${userId}, 'message')`

const published: Array<CacheEvent> = []
const handlers: Array<(e: CacheEvent) => void> = []
const events = Layer.succeed(CacheEvents, {
  publish: (e) => Effect.sync(() => void published.push(e)),
  subscribe: (h) => Effect.sync(() => void handlers.push(h))
})
const settle = Effect.promise(() => new Promise((r) => setTimeout(r, 50)))

/** The first read past 5 s is answered from the old set while it is re-read; the next one sees the new set. */
const afterRefresh = <A>(read: Effect.Effect<A, unknown>, done: (a: A) => boolean) =>
  Effect.gen(function* () {
    let value = yield* read
    for (let i = 0; i < 40 && !done(value); i++) {
      yield* settle
      value = yield* read
    }
    return value
  })

layer(
  UserFlags.Default.pipe(Layer.provideMerge(Layer.mergeAll(WhitelistRepo.Default, RestrictionRepo.Default, events)), Layer.provideMerge(PgliteTest)),
  { timeout: "60 seconds" }
)("UserFlags (BOT-23 rows 8 and 9)", (it) => {
  it.effect("open records: own changes count after forget, others' once the set is re-read after 5 s", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const flags = yield* UserFlags
      yield* sql`INSERT INTO groups (chat_id, type, title) VALUES (${G}, 'supergroup', 'G') ON CONFLICT DO NOTHING`
      expect(yield* flags.isPending(G, U)).toBe(false)
      yield* pendingRow(sql, U)
      // Made by another replica: this one still holds the group's set for up to 5 s.
      expect(yield* flags.isPending(G, U)).toBe(false)
      yield* TestClock.adjust("5001 millis")
      expect(yield* afterRefresh(flags.isPending(G, U), (pending) => pending)).toBe(true)
      // Closed elsewhere: the copy is a hint until it is re-read (the restrict flow re-reads the record itself).
      yield* sql`UPDATE restrictions SET state = 'verified' WHERE group_id = ${G} AND user_id = ${U}`
      expect(yield* flags.isPending(G, U)).toBe(true)
      yield* TestClock.adjust("5001 millis")
      expect(yield* afterRefresh(flags.isPending(G, U), (pending) => !pending)).toBe(false)
      yield* pendingRow(sql, V)
      yield* flags.forget(G, V)
      expect(yield* flags.isPending(G, V)).toBe(true)
      // forget tells the other replicas; their event drops this replica's sets the same way.
      expect(published.at(-1)).toEqual({ kind: "flags", id: G })
      const W = UserId.make(13)
      yield* pendingRow(sql, W)
      expect(yield* flags.isPending(G, W)).toBe(false)
      handlers.forEach((h) => h({ kind: "flags", id: G }))
      yield* settle
      expect(yield* flags.isPending(G, W)).toBe(true)
    }))

  it.effect("whitelist: group and global entries, expired ones ignored", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const flags = yield* UserFlags
      yield* sql`INSERT INTO groups (chat_id, type, title) VALUES (${G}, 'supergroup', 'G') ON CONFLICT DO NOTHING`
      yield* sql`INSERT INTO whitelist (group_id, user_id, expires_at) VALUES (${G}, 21, NULL), (${G}, 22, now() - interval '1 minute'), (NULL, 23, now() + interval '1 hour')`
      yield* flags.forget(G, UserId.make(21))
      expect(yield* flags.isWhitelisted(G, UserId.make(21))).toBe(true)
      expect(yield* flags.isWhitelisted(G, UserId.make(22))).toBe(false)
      expect(yield* flags.isWhitelisted(G, UserId.make(23))).toBe(true)
      expect(yield* flags.isWhitelisted(G, UserId.make(24))).toBe(false)
    }))

  it.effect("the answers from this process's copies agree with the fetched ones, and are undefined until the sets are held", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const flags = yield* UserFlags
      const H = ChatId.make(-100501)
      yield* sql`INSERT INTO groups (chat_id, type, title) VALUES (${H}, 'supergroup', 'H') ON CONFLICT DO NOTHING`
      yield* sql`INSERT INTO whitelist (group_id, user_id, expires_at) VALUES (${H}, 31, NULL), (NULL, 32, NULL)`
      yield* sql`INSERT INTO restrictions (group_id, user_id, trigger) VALUES (${H}, 33, 'message')`
      yield* flags.forget(H, UserId.make(31))
      const now = yield* TestClock.currentTimeMillis
      expect([flags.isWhitelistedHere(H, UserId.make(31), now), flags.isPendingHere(H, UserId.make(33), now)]).toEqual([undefined, undefined])
      for (const id of [31, 32, 33, 34]) {
        const user = UserId.make(id)
        const fetched = [yield* flags.isWhitelisted(H, user), yield* flags.isPending(H, user)]
        expect([flags.isWhitelistedHere(H, user, now), flags.isPendingHere(H, user, now)]).toEqual(fetched)
      }
      expect([yield* flags.isWhitelisted(H, UserId.make(31)), yield* flags.isWhitelisted(H, UserId.make(32)), yield* flags.isPending(H, UserId.make(33))]).toEqual([true, true, true])
      // Due for renewal after 3 s: only the fetching path answers (and renews).
      yield* TestClock.adjust("3 seconds")
      const later = yield* TestClock.currentTimeMillis
      expect([flags.isWhitelistedHere(H, UserId.make(31), later), flags.isPendingHere(H, UserId.make(33), later)]).toEqual([undefined, undefined])
    }))

  it.effect(`a group with more than ${flagSetLimit} open records is asked about per user`, () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const flags = yield* UserFlags
      yield* sql`INSERT INTO groups (chat_id, type, title) VALUES (${G}, 'supergroup', 'G') ON CONFLICT DO NOTHING`
      yield* sql`INSERT INTO restrictions (group_id, user_id, trigger)
        SELECT ${G}, 1000 + n, 'message' FROM generate_series(1, ${flagSetLimit + 1}) AS n`
      yield* flags.forget(G, U)
      expect(yield* flags.isPending(G, UserId.make(1001))).toBe(true)
      const late = UserId.make(99)
      yield* pendingRow(sql, late)
      // No forget: a complete set would still say "no record" here; an over-full group is never held.
      expect(yield* flags.isPending(G, late)).toBe(true)
      expect(flags.isPendingHere(G, late, yield* TestClock.currentTimeMillis)).toBeUndefined()
    }))
})
