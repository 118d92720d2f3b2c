import { ChannelListRepo, channelSorts, type ChannelListRow } from "@nezuko/db"
import { Effect, Schema } from "effect"
import { decodeQuery, decodeQueryOrDefaults, pageMeta, pagingFields } from "../../api/listQuery.server.js"

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
  return { rows: rows.map(channelRowJson), meta: pageMeta(params.page, params.per_page, total), params, errors }
})

export const channelsApi = Effect.gen(function* () {
  const params = yield* decodeQuery(ChannelListParams)
  const { rows, total } = yield* run(params)
  return Response.json({ data: rows.map(channelRowJson), meta: pageMeta(params.page, params.per_page, total) })
})
