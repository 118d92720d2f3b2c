import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

/** Run-time overrides of the environment's defaults (DATA-19): one JSON value per key. */
export class AppSettingsRepo extends Effect.Service<AppSettingsRepo>()("@nezuko/db/AppSettingsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const all = dbCall(Effect.map(sql<{ readonly key: string; readonly value: unknown }>`SELECT key, value FROM app_settings`,
      (rows) => new Map(rows.map((r) => [r.key, r.value]))))

    const put = (key: string, value: unknown, by: string | null) =>
      dbCall(Effect.asVoid(sql`
        INSERT INTO app_settings (key, value, updated_by) VALUES (${key}, ${JSON.stringify(value)}::jsonb, ${by})
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now()`))

    return { all, put } as const
  })
}) {}
