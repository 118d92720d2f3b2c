import { ChannelListRepo } from "@nezuko/db"
import { Effect, Schema } from "effect"
import { jsonBody, requireMethod } from "../../api/groups.server.js"
import { auditContext, RequestInfo } from "../../request.server.js"
import { channelDetailJson, channelParam, deleteChannel, InviteLinkInput, refreshChannel, setInviteLink } from "./channelAdmin.server.js"

/** GET /api/v1/channels/:id: the channel and the groups that require it. */
export const apiGetChannel = Effect.gen(function* () {
  const channel = yield* channelParam
  const groups = yield* Effect.flatMap(ChannelListRepo, (r) => r.groupsOf(channel.chatId))
  return { ...channelDetailJson(channel), groups: groups.map((g) => ({ chat_id: g.chatId, title: g.title, enabled: g.enabled, health: g.health })) }
})

/** PATCH /api/v1/channels/:id {invite_link} (an https://t.me/ URL, or null to clear); DELETE → 204, 409 while linked. */
export const apiChannelWrite = Effect.gen(function* () {
  yield* requireMethod("PATCH", "DELETE")
  const { request } = yield* RequestInfo
  const channel = yield* channelParam
  const ctx = yield* auditContext
  if (request.method === "DELETE") {
    yield* deleteChannel(channel.chatId, ctx)
    return new Response(null, { status: 204 })
  }
  const body = yield* jsonBody(Schema.Struct({ invite_link: InviteLinkInput }))
  return channelDetailJson(yield* setInviteLink(channel.chatId, body.invite_link, ctx))
})

/** POST /api/v1/channels/:id/refresh: getChat and the bot's admin check now; the refreshed channel. */
export const apiRefreshChannel = Effect.gen(function* () {
  yield* requireMethod("POST")
  const channel = yield* channelParam
  return channelDetailJson(yield* Effect.flatMap(auditContext, (ctx) => refreshChannel(channel.chatId, ctx)))
})
