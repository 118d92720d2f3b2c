import { it } from "@effect/vitest"
import { ChatId, UserId } from "@nezuko/domain"
import { ok, TelegramApiTest } from "@nezuko/testing"
import { Effect, Layer } from "effect"
import { expect } from "vitest"
import { type CacheEvent, CacheEvents } from "../src/CacheEvents.js"
import { ChatAdmins } from "../src/ChatAdmins.js"
import { KeyValueStore } from "../src/KeyValueStore.js"

const G = ChatId.make(-1001)
const owner = { status: "creator", user: { id: 1, is_bot: false, first_name: "O" }, is_anonymous: false }
const promoted = { status: "administrator", user: { id: 7, is_bot: false, first_name: "P" }, can_restrict_members: true, is_anonymous: false }

it.effect("CACHE-7: a change of admins reaches the other replicas' copies through nz:inv, not after their 10 s", () => {
  const published: Array<CacheEvent> = []
  const handlers: Array<(e: CacheEvent) => void> = []
  const events = Layer.succeed(CacheEvents, {
    publish: (e) => Effect.sync(() => void published.push(e)),
    subscribe: (h) => Effect.sync(() => void handlers.push(h))
  })
  let list: Array<unknown> = [owner]
  return Effect.gen(function* () {
    const admins = yield* ChatAdmins
    const store = yield* KeyValueStore
    expect(yield* admins.isAdmin(G, UserId.make(7))).toBe(false)
    // Another replica saw the promotion: it dropped the shared entry; this replica's copy still says no…
    list = [owner, promoted]
    yield* store.remove(`adm:${G}`)
    expect(yield* admins.isAdmin(G, UserId.make(7))).toBe(false)
    // …until that replica's event arrives.
    handlers.forEach((h) => h({ kind: "admins", id: G }))
    yield* Effect.yieldNow()
    expect(yield* admins.isAuthorized(G, UserId.make(7))).toBe(true)
    // This replica's own invalidation is published for the others.
    yield* admins.invalidate(G)
    expect(published).toEqual([{ kind: "admins", id: G }])
  }).pipe(Effect.provide(ChatAdmins.Default.pipe(
    Layer.provideMerge(TelegramApiTest({ getChatAdministrators: () => ok(list) })),
    Layer.provideMerge(Layer.merge(KeyValueStore.layerMemory(), events))
  )))
})
