import { GroupListRepo, type GroupListRow } from "@nezuko/db"
import { ChannelIdFromString, ChatIdFromString, NotFound, UserId } from "@nezuko/domain"
import { Effect, Schema } from "effect"
import { RequestInfo } from "../request.server.js"
import { decodeQuery, GroupListParams, pageMeta } from "./listQuery.server.js"

/** The API's (and the table's) view of one row: snake_case, plain JSON (PANEL-17). */
export const groupRowJson = (r: GroupListRow) => ({
  chat_id: r.chatId, title: r.title, username: r.username, enabled: r.enabled,
  status: r.health === "removed" ? "removed" : r.enabled ? "protected" : "disabled",
  health: r.health, health_reason: r.healthReason,
  bot_rights: { status: r.botStatus, can_restrict: r.botCanRestrict, can_delete: r.botCanDelete, can_invite: r.botCanInvite },
  channels: { count: r.channelHealth.length, health: r.channelHealth },
  pending: r.pending, checks_7d: r.checks7d, member_count: r.memberCount,
  protected_since: r.enabled && r.protectedAt ? r.protectedAt.toISOString() : null,
  created_at: r.createdAt.toISOString()
})

export const listGroups = (params: GroupListParams) =>
  Effect.flatMap(GroupListRepo, (repo) =>
    repo.list({
      page: params.page, perPage: params.per_page, sort: params.sort, order: params.order,
      status: params.status, health: params.health, q: params.q
    }))

/** GET /api/v1/groups */
export const apiListGroups = Effect.gen(function* () {
  const params = yield* decodeQuery(GroupListParams)
  const { rows, total } = yield* listGroups(params)
  return Response.json({ data: rows.map(groupRowJson), meta: pageMeta(params.page, params.per_page, total) })
})

/** The `:id` path parameter; an id that does not decode is a 404 (CONVENTIONS §8). */
export const chatIdParam = (name = "id") =>
  Effect.flatMap(RequestInfo, ({ params }) =>
    Schema.decodeUnknown(ChatIdFromString)(params[name]).pipe(Effect.mapError(() => new NotFound({ resource: "group", id: String(params[name]) }))))

export const channelIdParam = (name = "channelId") =>
  Effect.flatMap(RequestInfo, ({ params }) =>
    Schema.decodeUnknown(ChannelIdFromString)(params[name]).pipe(Effect.mapError(() => new NotFound({ resource: "channel", id: String(params[name]) }))))

/** The JSON body decoded with `schema`; a body that is not JSON is decoded as `{}` so the fields are reported. */
export const jsonBody = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(RequestInfo, (info) =>
    Effect.flatMap(Effect.promise(() => info.request.clone().json().catch(() => ({}))), (body: unknown) =>
      Schema.decodeUnknown(schema)(body, { errors: "all", onExcessProperty: "error" })))

export const ReleaseBody = Schema.Union(
  Schema.Struct({ user_id: UserId }),
  Schema.Struct({ all: Schema.Literal(true) })
)

export const WhitelistBody = Schema.Struct({
  user_id: UserId,
  expires_at: Schema.optionalWith(Schema.NullOr(Schema.Date), { default: () => null }),
  reason: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(200)), { default: () => "" })
})


/** Resource routes answer every non-GET method through one action: anything but `methods` is 405. */
export const requireMethod = (...methods: ReadonlyArray<string>) =>
  Effect.flatMap(RequestInfo, (info) =>
    methods.includes(info.request.method)
      ? Effect.void
      : Effect.die(new Response(null, { status: 405, headers: { allow: methods.join(", ") } })))
