import { SqlClient } from "@effect/sql"
import {
  type AuditContext, AuditTrail, BatchScan, ChannelResolver, GroupDirectory, GroupRelease, TelegramApi, Verification
} from "@nezuko/core"
import { ChannelRepo, GroupRepo, RestrictionRepo, WhitelistRepo } from "@nezuko/db"
import {
  ChannelId, type ChatId, Conflict, FieldError, MaxChannelsPerGroup, NotFound, type UserId, ValidationFailed
} from "@nezuko/domain"
import { SettingsRepo } from "@nezuko/db"
import { Effect, Option } from "effect"

const plain = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")

/**
 * The panel's writes to a group, with the bot's semantics (PANEL-6): enable/disable as /protect and
 * /unprotect, link with BOT-13's checks, release and whitelist. Each change is audited in its transaction
 * and invalidates the bot's cached view of the group (CACHE-5).
 */
export class GroupAdmin extends Effect.Service<GroupAdmin>()("@nezuko/panel/GroupAdmin", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const groups = yield* GroupRepo
    const channels = yield* ChannelRepo
    const settings = yield* SettingsRepo
    const restrictions = yield* RestrictionRepo
    const whitelist = yield* WhitelistRepo
    const trail = yield* AuditTrail
    const directory = yield* GroupDirectory
    const resolver = yield* ChannelResolver
    const telegram = yield* TelegramApi
    const verification = yield* Verification
    const groupRelease = yield* GroupRelease
    const batchScan = yield* BatchScan
    const me = yield* Effect.cached(telegram.getMe())

    const groupOf = (chatId: ChatId) =>
      Effect.flatMap(groups.findById(chatId), Option.match({
        onNone: () => Effect.fail(new NotFound({ resource: "group", id: String(chatId) })),
        onSome: Effect.succeed
      }))

    /** Restores the user, deletes the prompt, closes the record as released, logs a `release` decision. */
    /** A scan that cannot be queued does not undo the change that asked for it; the panel's "Scan members" can retry. */
    const scan = (chatId: ChatId) => batchScan.start(chatId).pipe(Effect.catchAll((e) => Effect.logWarning(`could not start the batch scan: ${e._tag}`)))

    const setEnabled = (chatId: ChatId, enabled: boolean, context: AuditContext) =>
      Effect.gen(function* () {
        const group = yield* groupOf(chatId)
        const linked = yield* channels.linkedTo(chatId)
        if (enabled && linked.length === 0) {
          return yield* new ValidationFailed({ errors: [new FieldError({ field: "/enabled", message: "link a channel first: a protected group needs at least one" })] })
        }
        if (group.enabled === enabled) return { group, released: 0 }
        const updated = yield* sql.withTransaction(Effect.gen(function* () {
          if (enabled) yield* settings.ensure(chatId)
          const row = yield* groups.setEnabled(chatId, enabled)
          yield* trail.record(context, {
            action: enabled ? "group.enable" : "group.disable", resourceType: "group", resourceId: String(chatId),
            oldValue: { enabled: group.enabled }, newValue: { enabled }
          })
          return row
        }))
        yield* directory.invalidate(chatId)
        // /unprotect semantics: nobody stays muted by a group that no longer requires anything (BOT-16); the
        // bot's jobs role releases them, `released` is how many it will.
        const released = enabled ? 0 : yield* groupRelease.disabled(chatId)
        // BOT-48: as /protect does, turning protection on scans the members seen so far.
        if (enabled) yield* scan(chatId)
        return { group: Option.getOrElse(updated, () => group), released }
      })

    const link = (chatId: ChatId, ref: string, context: AuditContext) =>
      Effect.gen(function* () {
        const group = yield* groupOf(chatId)
        const bot = yield* me
        const resolved = yield* resolver.resolve(ref, bot.id, bot.id).pipe(
          Effect.catchTag("ProtectRefused", (e) => new ValidationFailed({ errors: [new FieldError({ field: "/channel", message: plain(e.reply) })] }))
        )
        const id = ChannelId.make(resolved.chat.id)
        const linked = yield* channels.linkedTo(chatId)
        if (linked.some((c) => Number(c.chatId) === resolved.chat.id)) return yield* new Conflict({ resource: "group_channels", reason: "this channel is already linked" })
        if (linked.length >= MaxChannelsPerGroup) return yield* new Conflict({ resource: "group_channels", reason: `a group links at most ${MaxChannelsPerGroup} channels` })
        const channel = yield* sql.withTransaction(Effect.gen(function* () {
          const row = yield* channels.upsert({
            chatId: id, title: resolved.chat.title ?? ref, username: resolved.chat.username ?? null,
            inviteLink: resolved.chat.username ? null : resolved.inviteLink, inviteLinkByBot: resolved.inviteLinkByBot
          })
          yield* channels.link(chatId, id, context.actorAdminId === null ? {} : { admin: context.actorAdminId })
          yield* trail.record(context, {
            action: "group.channel.link", resourceType: "group", resourceId: String(chatId),
            oldValue: { channels: linked.map((c) => c.chatId) }, newValue: { channels: [...linked.map((c) => c.chatId), id] }
          })
          return row
        }))
        yield* directory.invalidate(chatId)
        // BOT-48: members seen so far are checked against the new channel too (a scan at P2 in the bot's jobs role).
        if (group.enabled) yield* scan(chatId)
        return channel
      })

    const unlink = (chatId: ChatId, channelId: ChannelId, context: AuditContext) =>
      Effect.gen(function* () {
        yield* groupOf(chatId)
        const linked = yield* channels.linkedTo(chatId)
        const removed = yield* sql.withTransaction(Effect.gen(function* () {
          const done = yield* channels.unlink(chatId, channelId)
          if (done) {
            yield* trail.record(context, {
              action: "group.channel.unlink", resourceType: "group", resourceId: String(chatId),
              oldValue: { channels: linked.map((c) => c.chatId) }, newValue: { channels: linked.map((c) => c.chatId).filter((c) => Number(c) !== channelId) }
            })
          }
          return done
        }))
        if (!removed) return yield* new NotFound({ resource: "linked channel", id: String(channelId) })
        yield* directory.invalidate(chatId)
        // Pending users who now miss nothing are released (BOT-16's reevaluate_pending).
        yield* groupRelease.unlinked(chatId, channelId)
      })

    /** Releases one pending user, or all of them (PANEL-6 Members). Returns how many were released. */
    const release = (chatId: ChatId, who: UserId | "all", context: AuditContext) =>
      Effect.gen(function* () {
        yield* groupOf(chatId)
        const pending = who === "all"
          ? yield* restrictions.pendingInGroup(chatId)
          : Option.toArray(yield* restrictions.findPending(chatId, who))
        if (who !== "all" && pending.length === 0) return yield* new NotFound({ resource: "pending user", id: String(who) })
        const by = `admin:${context.actorAdminId ?? "unknown"}`
        let released = 0
        for (const r of pending) if (yield* verification.releaseRecord(r, by, by, 1)) released++
        yield* trail.record(context, {
          action: "group.release", resourceType: "group", resourceId: String(chatId),
          oldValue: { pending: pending.map((r) => r.userId) }, newValue: { released }
        })
        return released
      })

    const addWhitelist = (chatId: ChatId, entry: { readonly userId: UserId; readonly expiresAt: Date | null; readonly reason: string }, context: AuditContext) =>
      Effect.gen(function* () {
        yield* groupOf(chatId)
        yield* sql.withTransaction(Effect.gen(function* () {
          yield* whitelist.add({ groupId: chatId, ...entry, ...(context.actorAdminId === null ? {} : { byAdmin: context.actorAdminId }) })
          yield* trail.record(context, {
            action: "group.whitelist.add", resourceType: "group", resourceId: String(chatId), oldValue: null,
            newValue: { userId: entry.userId, expiresAt: entry.expiresAt?.toISOString() ?? null, reason: entry.reason }
          })
        }))
        yield* directory.invalidate(chatId)
      })

    const removeWhitelist = (chatId: ChatId, userId: UserId, context: AuditContext) =>
      Effect.gen(function* () {
        const removed = yield* sql.withTransaction(Effect.gen(function* () {
          const done = yield* whitelist.remove(chatId, userId)
          if (done) yield* trail.record(context, { action: "group.whitelist.remove", resourceType: "group", resourceId: String(chatId), oldValue: { userId }, newValue: null })
          return done
        }))
        if (!removed) return yield* new NotFound({ resource: "whitelist entry", id: String(userId) })
        yield* directory.invalidate(chatId)
      })

    return { groupOf, setEnabled, link, unlink, release, addWhitelist, removeWhitelist } as const
  })
}) {}
