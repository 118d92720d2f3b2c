import { SqlClient, SqlSchema } from "@effect/sql"
import { AuditEntry, AuditRecord } from "@nezuko/domain"
import { Effect, Schema } from "effect"
import { dbCall } from "./dbCall.js"

const AuditQuery = Schema.Struct({
  actorAdminId: Schema.optional(Schema.UUID),
  actionPrefix: Schema.optional(Schema.String),
  resourceType: Schema.optional(Schema.String),
  resourceId: Schema.optional(Schema.String),
  limit: Schema.Int.pipe(Schema.between(1, 500)),
  offset: Schema.Int.pipe(Schema.nonNegative())
})
export type AuditQuery = typeof AuditQuery.Type

/** The append-only audit log (DATA-18, SEC-13). Writes join the caller's transaction when there is one. */
export class AuditRepo extends Effect.Service<AuditRepo>()("@nezuko/db/AuditRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const insert = SqlSchema.void({
      Request: AuditEntry,
      execute: (e) => sql`
        INSERT INTO audit_log (actor_type, actor_admin_id, actor_tg_id, action, resource_type, resource_id, outcome,
                               old_value, new_value, ip, client_ua, request_id)
        VALUES (${e.actorType}, ${e.actorAdminId}, ${e.actorTgId}, ${e.action}, ${e.resourceType}, ${e.resourceId},
                ${e.outcome}, ${json(e.oldValue)}, ${json(e.newValue)}, ${e.ip}::inet, ${e.clientUa}, ${e.requestId})`
    })

    const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value))

    const list = SqlSchema.findAll({
      Request: AuditQuery,
      Result: AuditRecord,
      execute: (q) => sql`
        SELECT id, at, actor_type, actor_admin_id, actor_tg_id, action, resource_type, resource_id, outcome,
               old_value, new_value, host(ip) AS ip, client_ua, request_id
        FROM audit_log
        WHERE ${sql.and([
          q.actorAdminId ? sql`actor_admin_id = ${q.actorAdminId}` : sql`true`,
          q.actionPrefix ? sql`action LIKE ${`${q.actionPrefix.replace(/[\\%_]/g, "\\$&")}%`}` : sql`true`,
          q.resourceType ? sql`resource_type = ${q.resourceType}` : sql`true`,
          q.resourceId ? sql`resource_id = ${q.resourceId}` : sql`true`
        ])}
        ORDER BY at DESC, id DESC LIMIT ${q.limit} OFFSET ${q.offset}`
    })

    return {
      record: (entry: AuditEntry) => dbCall(insert(entry)),
      list: (query: AuditQuery) => dbCall(list(query))
    } as const
  })
}) {}
