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
    }))
})
