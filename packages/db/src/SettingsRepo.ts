import { SqlClient, SqlSchema } from "@effect/sql"
import { ChatId, Conflict, defaultSettings, GroupSettings, SettingsValues } from "@nezuko/domain"
import { Effect, Option, Schema } from "effect"
import { dbCall } from "./dbCall.js"

export interface SettingsAuthor {
  readonly tg?: number
  readonly admin?: string
}

/** Per-group settings (DATA-6): one row per group, created from the global defaults on first protection. */
export class SettingsRepo extends Effect.Service<SettingsRepo>()("@nezuko/db/SettingsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const find = SqlSchema.findOne({
      Request: ChatId,
      Result: GroupSettings,
      execute: (groupId) => sql`SELECT * FROM group_settings WHERE group_id = ${groupId}`
    })

    const encode = Schema.encodeSync(SettingsValues)
    // Values reach the repository decoded; encoding them again is cheap insurance that nothing out of range
    // gets past the schema (the CHECK constraints are the last line).

    // BOT-15 / DATA-19: the panel's `defaults.group_settings` (PANEL-14), else the built-in defaults of BOT-18.
    // A stored value that no longer decodes (an older shape) falls back rather than blocking /protect.
    const groupDefaults = Effect.map(
      sql<{ readonly value: unknown }>`SELECT value FROM app_settings WHERE key = 'defaults.group_settings'`,
      (rows) => Option.getOrElse(Schema.decodeUnknownOption(SettingsValues)(rows[0]?.value), () => defaultSettings)
    )

    /** Creates the row from the global defaults unless it exists; returns the stored settings either way. */
    const ensure = (groupId: ChatId) =>
      Effect.flatMap(groupDefaults, (defaults) => sql`INSERT INTO group_settings ${sql.insert({ groupId, ...encode(defaults) })} ON CONFLICT (group_id) DO NOTHING`).pipe(
        Effect.zipRight(find(groupId)),
        Effect.flatMap(Option.match({
          onNone: () => Effect.dieMessage(`group_settings row for ${groupId} vanished`),
          onSome: Effect.succeed
        })),
        dbCall
      )

    /**
     * Replaces the values. With `expectedUpdatedAt`, a row changed since then is a Conflict (PANEL-7's
     * optimistic lock: "changed by someone else").
     */
    const update = (groupId: ChatId, values: SettingsValues, by: SettingsAuthor, expectedUpdatedAt?: Date) =>
      Effect.suspend(() => sql`
        UPDATE group_settings SET ${sql.update({ ...encode(values), updatedByTg: by.tg ?? null, updatedByAdmin: by.admin ?? null })},
          updated_at = clock_timestamp()
        WHERE group_id = ${groupId}
          ${expectedUpdatedAt ? sql`AND date_trunc('milliseconds', updated_at) = ${expectedUpdatedAt}` : sql``}
        RETURNING group_id`).pipe(
        Effect.filterOrFail((rows) => rows.length > 0, () => new Conflict({ resource: "group_settings", reason: "changed by someone else, or the group has no settings" })),
        Effect.zipRight(find(groupId)),
        Effect.flatMap((row) =>
          Option.isSome(row)
            ? Effect.succeed(row.value)
            : Effect.fail(new Conflict({ resource: "group_settings", reason: "changed by someone else, or the group has no settings" }))
        ),
        dbCall
      )

    return { find: (groupId: ChatId) => dbCall(find(groupId)), ensure, update } as const
  })
}) {}
