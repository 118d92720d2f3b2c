import { SqlClient } from "@effect/sql"
import { type AuditContext, AuditTrail, type BotRights, botRightsOf, BotStatus, ChannelResolver, GroupDirectory, TelegramApi } from "@nezuko/core"
import { ChannelListRepo, ChannelRepo } from "@nezuko/db"
import { type Channel, ChannelId, ChannelIdFromString, Conflict, FieldError, NotFound, parseChannelRef, ValidationFailed } from "@nezuko/domain"
import { Effect, Either, Option, Schema } from "effect"
import { RequestInfo } from "../../request.server.js"

// ProtectRefused replies are the bot's HTML; the panel shows them as text next to the field.
const plain = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")

/** What "Add channel" takes: the same references as /protect (BOT-12). */
export const ChannelRefInput = Schema.Trim.pipe(Schema.minLength(1, { message: () => "enter a @username, t.me link or -100… id" }), Schema.maxLength(200))

/** PANEL-8: a manual invite link must be an https://t.me/ URL (private channels only need one). */
export const InviteLinkInput = Schema.NullOr(Schema.Trim.pipe(
  Schema.pattern(/^https:\/\/t\.me\/[A-Za-z0-9_+/-]{1,200}$/, { message: () => "must be an https://t.me/ link" })
))

export const channelDetailJson = (c: Channel) => ({
  chat_id: c.chatId, title: c.title, username: c.username, invite_link: c.inviteLink, invite_link_by_bot: c.inviteLinkByBot,
  bot_status: c.botStatus, health: c.health, health_reason: c.healthReason, subscriber_count: c.subscriberCount,
  last_synced_at: c.lastSyncedAt?.toISOString() ?? null
})

const snapshot = (c: Channel) => ({
  title: c.title, username: c.username, inviteLink: c.inviteLink, botStatus: c.botStatus, health: c.health, healthReason: c.healthReason,
  subscriberCount: c.subscriberCount
})

export const findChannel = (id: ChannelId) =>
  Effect.flatMap(ChannelRepo, (r) => r.findById(id)).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.fail(new NotFound({ resource: "channel", id: String(id) })), onSome: Effect.succeed }))
  )

/** The `:id` path parameter as a channel that exists; an id that does not decode is a 404 too. */
export const channelParam = Effect.gen(function* () {
  const { params } = yield* RequestInfo
  const id = yield* Schema.decodeUnknown(ChannelIdFromString)(params.id).pipe(Effect.mapError(() => new NotFound({ resource: "channel", id: String(params.id) })))
  return yield* findChannel(id)
})

// Prompts read a channel's title and link from each group's cached snapshot (CACHE-5).
const invalidateLinkedGroups = (id: ChannelId) =>
  Effect.gen(function* () {
    const directory = yield* GroupDirectory
    const groups = yield* Effect.flatMap(ChannelRepo, (r) => r.linkedGroups(id))
    yield* Effect.forEach(groups, (g) => directory.invalidate(g), { discard: true })
  })

const known = (id: ChannelId) => new Conflict({ resource: `channel ${id}`, reason: "already known" })

/**
 * PANEL-8 "Add channel by ref": resolved and checked exactly as /protect does (BOT-13 steps 4–7, the
 * ChannelResolver): a refusal is a field error, a channel already stored is a conflict, Telegram failures
 * stay typed (503). The bot was just seen as an administrator, so the row starts healthy.
 */
export const addChannel = (ref: string, context: AuditContext) =>
  Effect.gen(function* () {
    const repo = yield* ChannelRepo
    const telegram = yield* TelegramApi
    // A reference we already know answers without asking Telegram.
    const parsed = parseChannelRef(ref)
    if (Either.isRight(parsed)) {
      const existing = parsed.right._tag === "NumericId"
        ? yield* repo.findById(ChannelId.make(parsed.right.id))
        : yield* repo.findByUsername(parsed.right.username)
      if (Option.isSome(existing)) return yield* known(existing.value.chatId)
    }
    const bot = yield* telegram.getMe()
    const resolved = yield* Effect.flatMap(ChannelResolver, (r) => r.resolve(ref, bot.id, bot.id)).pipe(
      Effect.catchTag("ProtectRefused", (e) => new ValidationFailed({ errors: [new FieldError({ field: "/channel", message: plain(e.reply) })] }))
    )
    const id = ChannelId.make(resolved.chat.id)
    const subscribers = yield* telegram.getChatMemberCount({ chat_id: id }).pipe(Effect.option)
    const sql = yield* SqlClient.SqlClient
    const trail = yield* AuditTrail
    return yield* sql.withTransaction(Effect.gen(function* () {
      const created = yield* repo.create({
        chatId: id, title: resolved.chat.title ?? ref, username: resolved.chat.username ?? null,
        inviteLink: resolved.chat.username ? null : resolved.inviteLink, inviteLinkByBot: resolved.inviteLinkByBot
      })
      if (Option.isNone(created)) return yield* known(id)
      yield* repo.setBotStatus(id, "administrator", "ok", null)
      yield* repo.refresh(id, { title: created.value.title, username: created.value.username, subscriberCount: Option.getOrNull(subscribers) })
      const row = yield* findChannel(id)
      yield* trail.record(context, { action: "channel.create", resourceType: "channel", resourceId: String(id), oldValue: null, newValue: snapshot(row) })
      return row
    }))
  })

const gone: BotRights = { status: "left", canRestrict: false, canDelete: false, canInvite: false }

/**
 * PANEL-8 "Refresh from Telegram": getChat for title, username and subscribers, then the bot's admin check,
 * applied through BotStatus.onChannel exactly as a my_chat_member update would be (BOT-43: health, alerts,
 * the linked groups re-evaluated). A channel the bot can no longer see counts as left; transient failures fail
 * the request (503) and change nothing.
 */
export const refreshChannel = (id: ChannelId, context: AuditContext) =>
  Effect.gen(function* () {
    const before = yield* findChannel(id)
    const telegram = yield* TelegramApi
    const bot = yield* telegram.getMe()
    const rights = yield* telegram.getChatMember({ chat_id: id, user_id: bot.id }).pipe(
      Effect.map(botRightsOf),
      Effect.catchTags({
        TelegramChatUnavailable: () => Effect.succeed(gone),
        TelegramUserNotFound: () => Effect.succeed(gone),
        TelegramMissingRights: (): Effect.Effect<BotRights> => Effect.succeed({ ...gone, status: "member" })
      })
    )
    const info = yield* telegram.getChat({ chat_id: id }).pipe(
      Effect.map(Option.some),
      Effect.catchTag("TelegramChatUnavailable", () => Effect.succeed(Option.none()))
    )
    const subscribers = Option.isSome(info) ? yield* telegram.getChatMemberCount({ chat_id: id }).pipe(Effect.option) : Option.none<number>()
    const repo = yield* ChannelRepo
    if (Option.isSome(info)) {
      yield* repo.refresh(id, { title: info.value.title ?? before.title, username: info.value.username ?? null, subscriberCount: Option.getOrNull(subscribers) })
    }
    // After the new title is stored: onChannel invalidates every linked group's snapshot.
    yield* Effect.flatMap(BotStatus, (s) => s.onChannel({ channelId: id, rights }))
    yield* invalidateLinkedGroups(id)
    const after = yield* findChannel(id)
    yield* Effect.flatMap(AuditTrail, (t) =>
      t.record(context, { action: "channel.refresh", resourceType: "channel", resourceId: String(id), oldValue: snapshot(before), newValue: snapshot(after) }))
    return after
  })

/** The manual invite-link override (null clears it); audited with the change, and the groups' prompts follow. */
export const setInviteLink = (id: ChannelId, link: string | null, context: AuditContext) =>
  Effect.gen(function* () {
    const before = yield* findChannel(id)
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(Effect.gen(function* () {
      yield* Effect.flatMap(ChannelListRepo, (r) => r.setInviteLink(id, link))
      yield* Effect.flatMap(AuditTrail, (t) =>
        t.record(context, { action: "channel.invite_link", resourceType: "channel", resourceId: String(id), oldValue: { inviteLink: before.inviteLink }, newValue: { inviteLink: link } }))
    }))
    yield* invalidateLinkedGroups(id)
    return yield* findChannel(id)
  })

/** PANEL-8 delete: only a channel no group links (409 otherwise); its open alerts are resolved with it. */
export const deleteChannel = (id: ChannelId, context: AuditContext) =>
  Effect.gen(function* () {
    const before = yield* findChannel(id)
    const sql = yield* SqlClient.SqlClient
    const outcome = yield* sql.withTransaction(Effect.gen(function* () {
      const result = yield* Effect.flatMap(ChannelListRepo, (r) => r.remove(id))
      if (result === "deleted") {
        yield* Effect.flatMap(AuditTrail, (t) =>
          t.record(context, { action: "channel.delete", resourceType: "channel", resourceId: String(id), oldValue: snapshot(before), newValue: null }))
      }
      return result
    }))
    if (outcome === "missing") return yield* new NotFound({ resource: "channel", id: String(id) })
    if (outcome === "linked") {
      const groups = yield* Effect.flatMap(ChannelRepo, (r) => r.linkedGroups(id))
      return yield* new Conflict({ resource: "channel", reason: `still required by ${groups.length} group(s): unlink it there first` })
    }
  })
