import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

export interface AuditListQuery {
  /** Only this admin's actions (PANEL-10: an Admin sees only their own). */
  readonly actorAdminId: string | null
  readonly actor: string
  readonly actionPrefix: string
  readonly resourceType: string
  readonly resourceId: string
  readonly outcome: "success" | "denied" | "failed" | null
  readonly from: Date | null
  readonly to: Date | null
  readonly page: number
  readonly perPage: number
}

export interface AuditListRow {
  readonly id: number
  readonly at: Date
  readonly actorType: string
  readonly actorAdminId: string | null
  readonly actorEmail: string | null
  readonly actorTgId: number | null
  readonly action: string
  readonly resourceType: string | null
  readonly resourceId: string | null
  readonly outcome: string
  readonly oldValue: unknown
  readonly newValue: unknown
  readonly ip: string | null
  readonly clientUa: string | null
  readonly requestId: string | null
}

const like = (text: string) => `${text.replace(/[\\%_]/g, "\\$&")}%`

/** The audit page's filtered, paged view (PANEL-10), with the actor's email joined in. */
export class AuditListRepo extends Effect.Service<AuditListRepo>()("@nezuko/db/AuditListRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const list = (q: AuditListQuery) =>
      Effect.gen(function* () {
        const actor = q.actor.trim().toLowerCase()
        const filter = sql.and([
          q.actorAdminId === null ? sql`true` : sql`a.actor_admin_id = ${q.actorAdminId}`,
          actor === "" ? sql`true`
          : /^\d+$/.test(actor) ? sql`a.actor_tg_id = ${Number(actor)}`
          : ["admin", "telegram_user", "system", "cli"].includes(actor) ? sql`a.actor_type = ${actor}`
          : sql`u.email LIKE ${like(actor)}`,
          q.actionPrefix === "" ? sql`true` : sql`a.action LIKE ${like(q.actionPrefix)}`,
          q.resourceType === "" ? sql`true` : sql`a.resource_type = ${q.resourceType}`,
          q.resourceId === "" ? sql`true` : sql`a.resource_id = ${q.resourceId}`,
          q.outcome === null ? sql`true` : sql`a.outcome = ${q.outcome}`,
          q.from === null ? sql`true` : sql`a.at >= ${q.from}`,
          q.to === null ? sql`true` : sql`a.at < ${q.to}`
        ])
        const [rows, total] = yield* Effect.all([
          sql<AuditListRow>`
            SELECT a.id, a.at, a.actor_type, a.actor_admin_id, u.email AS actor_email, a.actor_tg_id, a.action, a.resource_type,
                   a.resource_id, a.outcome, a.old_value, a.new_value, host(a.ip) AS ip, a.client_ua, a.request_id
            FROM audit_log a LEFT JOIN admin_users u ON u.id = a.actor_admin_id
            WHERE ${filter} ORDER BY a.at DESC, a.id DESC LIMIT ${q.perPage} OFFSET ${(q.page - 1) * q.perPage}`,
          sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM audit_log a LEFT JOIN admin_users u ON u.id = a.actor_admin_id WHERE ${filter}`
        ], { concurrency: 2 })
        return { rows, total: total[0]?.n ?? 0 }
      }).pipe(dbCall)

    return { list } as const
  })
}) {}
