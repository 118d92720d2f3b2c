import { ChannelRepo, GroupRepo, SettingsRepo } from "@nezuko/db"
import { ChannelId, ChatId, defaultSettings, GroupHealth, SettingsValues, UserId } from "@nezuko/domain"
import { Duration, Effect, Option, Schema } from "effect"
import { CacheEvents, followInvalidations } from "./CacheEvents.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { makeLocalCache } from "./LocalCache.js"

export const LinkedChannel = Schema.Struct({
  chatId: ChannelId,
  title: Schema.String,
  username: Schema.NullOr(Schema.String),
  inviteLink: Schema.NullOr(Schema.String),
  health: Schema.Literal("ok", "unverifiable")
})
export type LinkedChannel = typeof LinkedChannel.Type

/** Everything the hot path needs about a group, in one cached value (CACHE-1 `cfg:`). */
export const GroupSnapshot = Schema.Struct({
  chatId: ChatId,
  title: Schema.String,
  type: Schema.Literal("group", "supergroup"),
  enabled: Schema.Boolean,
  linkedChatId: Schema.NullOr(ChatId),
  botStatus: Schema.NullOr(Schema.Literal("member", "administrator", "left", "kicked")),
  botCanRestrict: Schema.Boolean,
  botCanDelete: Schema.Boolean,
  botCanInvite: Schema.Boolean,
  health: GroupHealth,
  protectedBy: Schema.NullOr(UserId),
  channels: Schema.Array(LinkedChannel),
  settings: SettingsValues
})
export type GroupSnapshot = typeof GroupSnapshot.Type

const codec = Schema.parseJson(GroupSnapshot)
const encode = Schema.encodeSync(codec)
const decode = Schema.decodeUnknownOption(codec)
const ttl = Duration.seconds(60)
const key = (groupId: ChatId) => `cfg:${groupId}`

/** A link to a channel as the prompt shows it (BOT-14): public username first, then a stored link. */
export const joinUrl = (c: LinkedChannel): string | null => (c.username ? `https://t.me/${c.username}` : c.inviteLink)

/**
 * Reads a group's protection state with a 60 s cache in front of three queries. Every change to a group's
 * protection, channels, settings or health calls `invalidate` (CACHE-5); a stale value lives at most 60 s.
 */
export class GroupDirectory extends Effect.Service<GroupDirectory>()("@nezuko/core/GroupDirectory", {
  scoped: Effect.gen(function* () {
    const store = yield* KeyValueStore
    const events = yield* CacheEvents
    const groups = yield* GroupRepo
    const channels = yield* ChannelRepo
    const settings = yield* SettingsRepo

    const loadFromDb = (groupId: ChatId) =>
      Effect.gen(function* () {
        const group = yield* groups.findById(groupId)
        if (Option.isNone(group)) return Option.none<GroupSnapshot>()
        const [linked, stored] = yield* Effect.all([channels.linkedTo(groupId), settings.find(groupId)], { concurrency: 2 })
        const g = group.value
        const { groupId: _g, updatedAt: _u, updatedByAdmin: _a, updatedByTg: _t, ...values } = Option.getOrElse(
          Option.map(stored, (s) => ({ ...s })),
          () => ({ ...defaultSettings, groupId, updatedAt: new Date(0), updatedByAdmin: null, updatedByTg: null })
        )
        return Option.some<GroupSnapshot>({
          chatId: g.chatId, title: g.title, type: g.type, enabled: g.enabled, linkedChatId: g.linkedChatId,
          botStatus: g.botStatus, botCanRestrict: g.botCanRestrict, botCanDelete: g.botCanDelete,
          botCanInvite: g.botCanInvite, health: g.health, protectedBy: g.protectedBy,
          channels: linked.map((c) => ({ chatId: c.chatId, title: c.title, username: c.username, inviteLink: c.inviteLink, health: c.health })),
          settings: values
        })
      })

    // A cache outage must not stop enforcement: fall through to the database.
    const cached = (groupId: ChatId) =>
      store.get(key(groupId)).pipe(Effect.map(Option.flatMap(decode)), Effect.orElseSucceed(() => Option.none<GroupSnapshot>()))

    const load = (groupId: ChatId) =>
      Effect.gen(function* () {
        const hit = yield* cached(groupId)
        if (Option.isSome(hit)) return hit
        const fresh = yield* loadFromDb(groupId)
        if (Option.isSome(fresh)) yield* Effect.ignore(store.set(key(groupId), encode(fresh.value), ttl))
        return fresh
      })

    // A decoded copy per process in front of the shared `cfg:` entry, renewed in the background while in use:
    // the hot path needs no round trip and no decode. Changes arrive at once through nz:inv (invalidate), and
    // a copy is never older than CACHE-7's 5 s.
    const local = yield* makeLocalCache({ capacity: 20_000, refreshAfter: Duration.seconds(3), maxAge: Duration.seconds(5), lookup: load })

    const get = (groupId: ChatId) => local.get(groupId)

    // CACHE-5: the shared entry goes, and every replica drops its copy now instead of after its 5 s.
    const invalidate = (groupId: ChatId) =>
      Effect.all([local.invalidate(groupId), Effect.ignore(store.remove(key(groupId))), events.publish({ kind: "group", id: groupId })], { discard: true })
    yield* followInvalidations(events, "group", local.invalidate, local.invalidateAll)

    /** Protection applies only when enabled, in a supergroup, with a channel, and the bot is an admin (BOT-22). */
    const isEnforced = (g: GroupSnapshot) =>
      g.enabled && g.type === "supergroup" && g.channels.length > 0 && g.botStatus === "administrator" && g.health !== "removed"

    return { get, invalidate, isEnforced } as const
  })
}) {}
