import { ChannelRepo, GroupListRepo, SettingsRepo, WhitelistRepo } from "@nezuko/db"
import { type Channel, type Group, NotFound, SettingsValues } from "@nezuko/domain"
import { Effect, Option, Schema } from "effect"
import { auditContext, RequestInfo } from "../request.server.js"
import { GroupAdmin } from "../services/GroupAdmin.server.js"
import { saveSettings } from "../services/groupSettings.server.js"
import { channelIdParam, chatIdParam, jsonBody, ReleaseBody, requireMethod, WhitelistBody } from "./groups.server.js"

export const channelJson = (c: Channel) => ({
  chat_id: c.chatId, title: c.title, username: c.username, invite_link: c.inviteLink, health: c.health,
  health_reason: c.healthReason, bot_status: c.botStatus, subscriber_count: c.subscriberCount
})

export const groupJson = (g: Group) => ({
  chat_id: g.chatId, type: g.type, title: g.title, username: g.username, enabled: g.enabled,
  status: g.health === "removed" ? "removed" : g.enabled ? "protected" : "disabled",
  health: g.health, health_reason: g.healthReason, health_checked_at: g.healthCheckedAt?.toISOString() ?? null,
  bot_rights: { status: g.botStatus, can_restrict: g.botCanRestrict, can_delete: g.botCanDelete, can_invite: g.botCanInvite },
  member_count: g.memberCount, protected_by: g.protectedBy, protected_at: g.protectedAt?.toISOString() ?? null
})

const groupParam = Effect.flatMap(chatIdParam(), (id) => Effect.flatMap(GroupAdmin, (a) => a.groupOf(id)))

/** GET /api/v1/groups/:id */
export const apiGetGroup = Effect.gen(function* () {
  const group = yield* groupParam
  const channels = yield* Effect.flatMap(ChannelRepo, (r) => r.linkedTo(group.chatId))
  const counts = yield* Effect.flatMap(GroupListRepo, (r) => r.countsOf(group.chatId))
  return { ...groupJson(group), channels: channels.map(channelJson), pending: counts.pending, checks_7d: counts.checks7d }
})

/** PATCH /api/v1/groups/:id {enabled}: /protect and /unprotect semantics. */
export const apiPatchGroup = Effect.gen(function* () {
  yield* requireMethod("PATCH")
  const id = yield* chatIdParam()
  const body = yield* jsonBody(Schema.Struct({ enabled: Schema.Boolean }))
  const result = yield* Effect.flatMap(GroupAdmin, (a) => Effect.flatMap(auditContext, (ctx) => a.setEnabled(id, body.enabled, ctx)))
  return { ...groupJson(result.group), released: result.released }
})

const settingsJson = (s: SettingsValues & { readonly updatedAt: Date }) => ({ ...Schema.encodeSync(SettingsValues)(s), updated_at: s.updatedAt.toISOString() })

/** GET /api/v1/groups/:id/settings */
export const apiGetSettings = Effect.gen(function* () {
  const group = yield* groupParam
  const settings = yield* Effect.flatMap(SettingsRepo, (r) => r.find(group.chatId))
  if (Option.isNone(settings)) return yield* new NotFound({ resource: "group settings", id: String(group.chatId) })
  return settingsJson(settings.value)
})

/** PUT /api/v1/groups/:id/settings: every BOT-18 key, plus `updated_at` for the stale-save check. */
export const apiPutSettings = Effect.gen(function* () {
  yield* requireMethod("PUT")
  const group = yield* groupParam
  const body = yield* jsonBody(Schema.extend(SettingsValues, Schema.Struct({ updated_at: Schema.optional(Schema.Date) })))
  const { updated_at, ...values } = body
  const saved = yield* saveSettings(group.chatId, yield* Schema.decodeUnknown(SettingsValues)(Schema.encodeSync(SettingsValues)(values)), updated_at)
  return settingsJson(saved)
})

/** POST /api/v1/groups/:id/channels {channel}: BOT-12–BOT-14's checks, then 201 with Location. */
export const apiLinkChannel = Effect.gen(function* () {
  yield* requireMethod("POST")
  const id = yield* chatIdParam()
  const body = yield* jsonBody(Schema.Struct({ channel: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)) }))
  const channel = yield* Effect.flatMap(GroupAdmin, (a) => Effect.flatMap(auditContext, (ctx) => a.link(id, body.channel, ctx)))
  return Response.json({ data: channelJson(channel) }, { status: 201, headers: { location: `/api/v1/channels/${channel.chatId}` } })
})

/** DELETE /api/v1/groups/:id/channels/:channelId → 204 */
export const apiUnlinkChannel = Effect.gen(function* () {
  yield* requireMethod("DELETE")
  const id = yield* chatIdParam()
  const channelId = yield* channelIdParam()
  yield* Effect.flatMap(GroupAdmin, (a) => Effect.flatMap(auditContext, (ctx) => a.unlink(id, channelId, ctx)))
  return new Response(null, { status: 204 })
})

/** POST /api/v1/groups/:id/release {user_id} | {all: true} → 202 */
export const apiRelease = Effect.gen(function* () {
  yield* requireMethod("POST")
  const id = yield* chatIdParam()
  const body = yield* jsonBody(ReleaseBody)
  const released = yield* Effect.flatMap(GroupAdmin, (a) => Effect.flatMap(auditContext, (ctx) => a.release(id, "all" in body ? "all" : body.user_id, ctx)))
  return Response.json({ data: { released } }, { status: 202 })
})

const whitelistJson = (e: { readonly id: number; readonly groupId: number | null; readonly userId: number; readonly expiresAt: Date | null; readonly reason: string | null }) => ({
  id: e.id, scope: e.groupId === null ? "all groups" : "this group", user_id: e.userId, expires_at: e.expiresAt?.toISOString() ?? null, reason: e.reason
})

/** GET|POST|DELETE /api/v1/groups/:id/whitelist (DELETE takes ?user_id=). */
export const apiGetWhitelist = Effect.gen(function* () {
  const group = yield* groupParam
  const rows = yield* Effect.flatMap(WhitelistRepo, (r) => r.list(group.chatId, 500))
  return rows.map(whitelistJson)
})

export const apiWhitelistWrite = Effect.gen(function* () {
  yield* requireMethod("POST", "DELETE")
  const { request, url } = yield* RequestInfo
  const id = yield* chatIdParam()
  const admin = yield* GroupAdmin
  const ctx = yield* auditContext
  if (request.method === "DELETE") {
    const userId = yield* Schema.decodeUnknown(Schema.Struct({ user_id: Schema.compose(Schema.NumberFromString, WhitelistBody.fields.user_id) }))(
      { user_id: url.searchParams.get("user_id") ?? "" }, { errors: "all" })
    yield* admin.removeWhitelist(id, userId.user_id, ctx)
    return new Response(null, { status: 204 })
  }
  const body = yield* jsonBody(WhitelistBody)
  yield* admin.addWhitelist(id, { userId: body.user_id, expiresAt: body.expires_at, reason: body.reason }, ctx)
  return Response.json({ data: { user_id: body.user_id, expires_at: body.expires_at?.toISOString() ?? null, reason: body.reason } }, {
    status: 201, headers: { location: `/api/v1/groups/${id}/whitelist` }
  })
})
