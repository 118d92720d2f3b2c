import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { dbCall } from "./dbCall.js"

export const AlertSeverity = Schema.Literal("info", "warning", "critical")

export const NewAlert = Schema.Struct({
  kind: Schema.String,
  severity: AlertSeverity,
  groupId: Schema.NullOr(Schema.Number),
  channelId: Schema.NullOr(Schema.Number),
  message: Schema.String,
  details: Schema.Unknown
})
export type NewAlert = typeof NewAlert.Type

const OpenAlert = Schema.Struct({
  id: Schema.Number,
  kind: Schema.String,
  severity: AlertSeverity,
  groupId: Schema.NullOr(Schema.Number),
  channelId: Schema.NullOr(Schema.Number),
  message: Schema.String,
  details: Schema.Unknown,
  openedAt: Schema.DateFromSelf
})

/** Operator alerts (DATA-14): at most one open alert per kind and subject; raising it again refreshes it. */
export class AlertRepo extends Effect.Service<AlertRepo>()("@nezuko/db/AlertRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const raise = SqlSchema.single({
      Request: NewAlert,
      Result: Schema.Struct({ id: Schema.Number }),
      execute: (a) => sql`
        INSERT INTO alerts (kind, severity, group_id, channel_id, message, details)
        VALUES (${a.kind}, ${a.severity}, ${a.groupId}, ${a.channelId}, ${a.message}, ${JSON.stringify(a.details ?? {})})
        ON CONFLICT (kind, coalesce(group_id, 0), coalesce(channel_id, 0)) WHERE resolved_at IS NULL
        DO UPDATE SET severity = EXCLUDED.severity, message = EXCLUDED.message, details = EXCLUDED.details
        RETURNING id`
    })
    const listOpen = SqlSchema.findAll({
      Request: Schema.Void,
      Result: OpenAlert,
      execute: () => sql`
        SELECT id, kind, severity, group_id, channel_id, message, details, opened_at FROM alerts
        WHERE resolved_at IS NULL ORDER BY opened_at DESC LIMIT 100`
    })

    return {
      raise: (alert: NewAlert) => dbCall(Effect.map(raise(alert), (r) => r.id)),
      listOpen: dbCall(listOpen(undefined))
    } as const
  })
}) {}
