import { can, CurrentAdmin } from "@nezuko/core"
import { ChannelListRepo, channelSorts, type ChannelListRow } from "@nezuko/db"
import { data, redirect } from "@remix-run/node"
import { Effect, ParseResult, Schema } from "effect"
import { jsonBody, requireMethod } from "../../api/groups.server.js"
import { decodeQuery, decodeQueryOrDefaults, pageMeta, pagingFields } from "../../api/listQuery.server.js"
import { auditContext, formData, RequestInfo } from "../../request.server.js"
import { addChannel, channelDetailJson, ChannelRefInput } from "../_panel.channels.$id/channelAdmin.server.js"

export const ChannelListParams = Schema.Struct({
  ...pagingFields,
  sort: Schema.optionalWith(Schema.Literal(...channelSorts), { default: () => "created_at" as const }),
  q: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(100)), { default: () => "" })
})

export const channelRowJson = (c: ChannelListRow) => ({
  chat_id: c.chatId, title: c.title, username: c.username, invite_link: c.inviteLink, bot_status: c.botStatus, health: c.health,
  health_reason: c.healthReason, subscriber_count: c.subscriberCount, linked_groups: c.linkedGroups,
  last_synced_at: c.lastSyncedAt?.toISOString() ?? null, created_at: c.createdAt.toISOString()
})

const run = (params: typeof ChannelListParams.Type) =>
  Effect.flatMap(ChannelListRepo, (r) => r.list({ q: params.q, sort: params.sort, order: params.order, page: params.page, perPage: params.per_page }))

/** PANEL-8's list: search by title, username or id; sort by title, created, linked groups, subscribers. */
export const channelsPage = Effect.gen(function* () {
  const { errors, value: params } = yield* decodeQueryOrDefaults(ChannelListParams)
  const { rows, total } = yield* run(params)
  const me = yield* CurrentAdmin
  const { url } = yield* RequestInfo
  return {
    rows: rows.map(channelRowJson), meta: pageMeta(params.page, params.per_page, total), params, errors,
    canEdit: can(me.role, "update:channel:any"), notice: url.searchParams.get("notice")
  }
})

export const channelsApi = Effect.gen(function* () {
  const params = yield* decodeQuery(ChannelListParams)
  const { rows, total } = yield* run(params)
  return Response.json({ data: rows.map(channelRowJson), meta: pageMeta(params.page, params.per_page, total) })
})

/**
 * The list page's "Add channel" form: a refusal of the bot's checks re-renders with 400 next to the field,
 * a channel already known with 409 (CONVENTIONS §8); success opens the new channel.
 */
export const addChannelForm = Effect.gen(function* () {
  const form = yield* formData
  const ref = yield* Schema.decodeUnknown(ChannelRefInput)(String(form.get("channel") ?? ""), { errors: "all" }).pipe(Effect.either)
  if (ref._tag === "Left") {
    return data({ errors: ParseResult.ArrayFormatter.formatErrorSync(ref.left).map((i) => ({ field: "/channel", message: i.message })) }, { status: 400 })
  }
  const ctx = yield* auditContext
  return yield* addChannel(ref.right, ctx).pipe(
    Effect.map((c) => redirect(`/channels/${c.chatId}?notice=${encodeURIComponent(`Added ${c.title}.`)}`, 303)),
    Effect.catchTags({
      ValidationFailed: (e) => Effect.succeed(data({ errors: e.errors.map((x) => ({ field: x.field, message: x.message })) }, { status: 400 })),
      Conflict: (e) => Effect.succeed(data({ errors: [{ field: "/channel", message: `${e.resource} is ${e.reason}` }] }, { status: 409 }))
    })
  )
})

/** POST /api/v1/channels {channel}: 201 with Location; 422 refused by the checks, 409 already known, 503 Telegram. */
export const apiAddChannel = Effect.gen(function* () {
  yield* requireMethod("POST")
  const body = yield* jsonBody(Schema.Struct({ channel: ChannelRefInput }))
  const channel = yield* Effect.flatMap(auditContext, (ctx) => addChannel(body.channel, ctx))
  return Response.json({ data: channelDetailJson(channel) }, { status: 201, headers: { location: `/api/v1/channels/${channel.chatId}` } })
})
