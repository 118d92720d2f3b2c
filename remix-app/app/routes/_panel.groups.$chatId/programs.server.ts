import { SqlClient } from "@effect/sql"
import { CurrentAdmin } from "@nezuko/core"
import { GroupRepo, SettingsRepo } from "@nezuko/db"
import { ChatIdFromString, FieldError, NotFound, SettingsValues, ValidationFailed } from "@nezuko/domain"
import { data, redirect } from "@remix-run/node"
import { Effect, Option, ParseResult, Schema } from "effect"
import { audit, formData, RequestInfo } from "../../request.server.js"
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

const changedKeys = (before: Record<string, unknown>, after: Record<string, unknown>) =>
  Object.keys(after).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))

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
  const repo = yield* SettingsRepo
  const current = yield* repo.find(group.chatId)
  if (Option.isNone(current)) {
    return yield* new ValidationFailed({ errors: [new FieldError({ field: "/", message: "this group has no settings yet: protect it first" })] })
  }
  const expected = form.get("updated_at")
  const expectedAt = typeof expected === "string" && expected !== "" ? new Date(expected) : undefined
  const me = yield* CurrentAdmin
  const sql = yield* SqlClient.SqlClient
  const before: Record<string, unknown> = { ...Schema.encodeSync(SettingsValues)(current.value) }
  const after: Record<string, unknown> = { ...Schema.encodeSync(SettingsValues)(decoded.right) }
  const keys = changedKeys(before, after)
  yield* sql.withTransaction(Effect.gen(function* () {
    yield* repo.update(group.chatId, decoded.right, { admin: me.id }, expectedAt)
    yield* audit({
      action: "group.settings.update", resourceType: "group", resourceId: String(group.chatId),
      oldValue: Object.fromEntries(keys.map((k) => [k, before[k]])), newValue: Object.fromEntries(keys.map((k) => [k, after[k]]))
    })
  }))
  return redirect(`/groups/${group.chatId}?saved=1`, 303)
})
