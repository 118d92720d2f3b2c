import { SqlClient } from "@effect/sql"
import { CurrentAdmin, GroupDirectory } from "@nezuko/core"
import { SettingsRepo } from "@nezuko/db"
import { type ChatId, FieldError, SettingsValues, ValidationFailed } from "@nezuko/domain"
import { Effect, Option, Schema } from "effect"
import { audit } from "../request.server.js"

const changedKeys = (before: Record<string, unknown>, after: Record<string, unknown>) =>
  Object.keys(after).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))

/**
 * PANEL-7's save for the form and the API: refuse a stale save (409 RES_002), write the settings and the
 * audit row with the old/new values of what changed in one transaction (SEC-13), then tell the bot (CACHE-5).
 */
export const saveSettings = (chatId: ChatId, values: SettingsValues, expectedAt: Date | undefined) =>
  Effect.gen(function* () {
    const repo = yield* SettingsRepo
    const current = yield* repo.find(chatId)
    if (Option.isNone(current)) {
      return yield* new ValidationFailed({ errors: [new FieldError({ field: "/", message: "this group has no settings yet: protect it first" })] })
    }
    const me = yield* CurrentAdmin
    const sql = yield* SqlClient.SqlClient
    const before: Record<string, unknown> = { ...Schema.encodeSync(SettingsValues)(current.value) }
    const after: Record<string, unknown> = { ...Schema.encodeSync(SettingsValues)(values) }
    const keys = changedKeys(before, after)
    const saved = yield* sql.withTransaction(Effect.gen(function* () {
      const row = yield* repo.update(chatId, values, { admin: me.id }, expectedAt)
      yield* audit({
        action: "group.settings.update", resourceType: "group", resourceId: String(chatId),
        oldValue: Object.fromEntries(keys.map((k) => [k, before[k]])), newValue: Object.fromEntries(keys.map((k) => [k, after[k]]))
      })
      return row
    }))
    yield* Effect.flatMap(GroupDirectory, (d) => d.invalidate(chatId))
    return saved
  })
