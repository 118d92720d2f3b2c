import { type ChatId, type UserId } from "@nezuko/domain"
import { Duration, Effect, Option, Schema } from "effect"
import { CacheEvents, followInvalidations } from "./CacheEvents.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { makeLocalCache } from "./LocalCache.js"
import { TelegramApi } from "./TelegramApi.js"

const AdminList = Schema.parseJson(Schema.Array(Schema.Struct({
  userId: Schema.Number,
  isCreator: Schema.Boolean,
  canRestrict: Schema.Boolean,
  isAnonymous: Schema.Boolean
})))
type AdminList = typeof AdminList.Type

const ttl = Duration.seconds(600)

/**
 * A group's administrators (CACHE-1 `adm:`, 600 s), refreshed by getChatAdministrators on a miss. Used for
 * exemptions (any admin, BOT-23) and command authorization (creator or "Ban users", BOT-5).
 */
export class ChatAdmins extends Effect.Service<ChatAdmins>()("@nezuko/core/ChatAdmins", {
  scoped: Effect.gen(function* () {
    const store = yield* KeyValueStore
    const telegram = yield* TelegramApi
    const events = yield* CacheEvents
    const key = (groupId: ChatId) => `adm:${groupId}`

    const fetch = (groupId: ChatId) =>
      Effect.map(telegram.getChatAdministrators({ chat_id: groupId }), (members): AdminList =>
        members.map((m) => ({
          userId: m.user.id,
          isCreator: m.status === "creator",
          canRestrict: m.status === "creator" || (m.status === "administrator" && m.can_restrict_members),
          isAnonymous: m.is_anonymous
        })))

    const load = Effect.fn("ChatAdmins.load")(function* (groupId: ChatId) {
      const hit = yield* store.get(key(groupId)).pipe(
        Effect.map(Option.flatMap(Schema.decodeUnknownOption(AdminList))),
        Effect.orElseSucceed(() => Option.none<AdminList>())
      )
      if (Option.isSome(hit)) return hit.value
      const admins = yield* fetch(groupId)
      yield* Effect.ignore(store.set(key(groupId), Schema.encodeSync(AdminList)(admins), ttl))
      return admins
    })

    // Decoded per process in front of the shared `adm:` entry, never older than 10 s and renewed in the
    // background while in use; a change seen here invalidates both.
    const local = yield* makeLocalCache({ capacity: 20_000, refreshAfter: Duration.seconds(7), maxAge: Duration.seconds(10), lookup: load })
    const list = (groupId: ChatId) => local.get(groupId)

    // CACHE-5/CACHE-7: an admin promoted or demoted counts on every replica at once, not after its 10 s.
    const invalidate = (groupId: ChatId) =>
      Effect.all([local.invalidate(groupId), Effect.ignore(store.remove(key(groupId))), events.publish({ kind: "admins", id: groupId })], { discard: true })
    yield* followInvalidations(events, "admins", local.invalidate, local.invalidateAll)

    return {
      list,
      isAdmin: (groupId: ChatId, userId: UserId) => Effect.map(list(groupId), (admins) => admins.some((a) => a.userId === userId)),
      /** `isAdmin` from this process's copy alone, or undefined when it has to be fetched (see `LocalCache.peek`). */
      isAdminHere: (groupId: ChatId, userId: UserId, now: number) => local.peek(groupId, now)?.some((a) => a.userId === userId),
      /** Creator, or an administrator with can_restrict_members (BOT-5). */
      isAuthorized: (groupId: ChatId, userId: UserId) =>
        Effect.map(list(groupId), (admins) => admins.some((a) => a.userId === userId && a.canRestrict)),
      invalidate
    } as const
  })
}) {}
