import { GroupRepo, SettingsRepo } from "@nezuko/db"
import { ChatIdFromString, NotFound, SettingsValues } from "@nezuko/domain"
import { data, redirect } from "@remix-run/node"
import { Effect, Option, ParseResult, Schema } from "effect"
import { formData, RequestInfo } from "../../request.server.js"
import { saveSettings } from "../../services/groupSettings.server.js"
import { fromForm } from "./fields.js"

const groupOf = Effect.gen(function* () {
  const { params } = yield* RequestInfo
  const chatId = yield* Schema.decodeUnknown(ChatIdFromString)(params.chatId).pipe(
    Effect.mapError(() => new NotFound({ resource: "group", id: String(params.chatId) }))
  )
  const group = yield* Effect.flatMap(GroupRepo, (groups) => groups.findById(chatId))
  if (Option.isNone(group)) return yield* new NotFound({ resource: "group", id: String(chatId) })
  return group.value
})

export const show = Effect.gen(function* () {
  const group = yield* groupOf
  const settings = yield* Effect.flatMap(SettingsRepo, (repo) => repo.find(group.chatId))
  const { url } = yield* RequestInfo
  return {
    group: { chatId: group.chatId, title: group.title, username: group.username, enabled: group.enabled, health: group.health },
    settings: Option.match(settings, {
      onNone: () => null,
      onSome: (s) => ({ values: Schema.encodeSync(SettingsValues)(s), updatedAt: s.updatedAt.toISOString() })
    }),
    saved: url.searchParams.get("saved") === "1"
  }
})

const pointer = (path: ReadonlyArray<PropertyKey>) => `/${path.map(String).join("/")}`

/**
 * PANEL-7: validate every key, refuse a stale save (409 RES_002), then write the settings and their audit row
 * (old and new values of what changed) in one transaction (SEC-13).
 */
export const save = Effect.gen(function* () {
  const group = yield* groupOf
  const form = yield* formData
  const decoded = yield* Schema.decodeUnknown(SettingsValues)(fromForm(form), { errors: "all" }).pipe(Effect.either)
  if (decoded._tag === "Left") {
    const errors = ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((i) => ({ field: pointer(i.path), message: i.message }))
    return data({ errors }, { status: 400 })
  }
  const expected = form.get("updated_at")
  const expectedAt = typeof expected === "string" && expected !== "" ? new Date(expected) : undefined
  yield* saveSettings(group.chatId, decoded.right, expectedAt)
  return redirect(`/groups/${group.chatId}?saved=1`, 303)
})
