import { can, CurrentAdmin, Forbidden } from "@nezuko/core"
import { AuditListRepo, type AuditListRow } from "@nezuko/db"
import { Effect, Option, Schema } from "effect"
import { decodeQuery, decodeQueryOrDefaults, pageMeta } from "../../api/listQuery.server.js"

const IntFromString = Schema.NumberFromString.pipe(Schema.int())
const Day = Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/, { message: () => "must be a date (YYYY-MM-DD)" }))
const text = (max: number) => Schema.optionalWith(Schema.String.pipe(Schema.maxLength(max)), { default: () => "" })

export const AuditParams = Schema.Struct({
  page: Schema.optionalWith(IntFromString.pipe(Schema.greaterThanOrEqualTo(1)), { default: () => 1 }),
  per_page: Schema.optionalWith(IntFromString.pipe(Schema.filter((n) => [20, 50, 100].includes(n), { message: () => "must be one of 20, 50, 100" })), { default: () => 20 }),
  actor: text(200), action: text(100), resource_type: text(50), resource_id: text(100),
  outcome: Schema.optionalWith(Schema.Literal("success", "denied", "failed"), { as: "Option" }),
  from: Schema.optionalWith(Day, { as: "Option" }),
  to: Schema.optionalWith(Day, { as: "Option" }),
  format: Schema.optionalWith(Schema.Literal("html", "csv"), { default: () => "html" as const })
})
type AuditParams = typeof AuditParams.Type

const rowJson = (r: AuditListRow) => ({
  id: r.id, at: r.at.toISOString(), actor: r.actorEmail ?? (r.actorTgId !== null ? `tg:${r.actorTgId}` : r.actorType), actorType: r.actorType,
  action: r.action, resource: [r.resourceType, r.resourceId].filter((x) => x !== null).join(" "), outcome: r.outcome,
  oldValue: r.oldValue ?? null, newValue: r.newValue ?? null, ip: r.ip, requestId: r.requestId, clientUa: r.clientUa
})

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v)
  return /[",\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : s
}

const query = (params: AuditParams, ownOnly: string | null, perPage: number, page: number) =>
  Effect.flatMap(AuditListRepo, (repo) => repo.list({
    actorAdminId: ownOnly, actor: params.actor, actionPrefix: params.action, resourceType: params.resource_type, resourceId: params.resource_id,
    outcome: Option.getOrNull(params.outcome),
    from: Option.getOrNull(Option.map(params.from, (d) => new Date(`${d}T00:00:00Z`))),
    to: Option.getOrNull(Option.map(params.to, (d) => new Date(new Date(`${d}T00:00:00Z`).getTime() + 86_400_000))),
    page, perPage
  }))

/** PANEL-10: the Owner sees every entry, an Admin only their own (the route refuses Viewers). */
export const auditPage = Effect.gen(function* () {
  const me = yield* CurrentAdmin
  const everything = can(me.role, "read:audit:any")
  const { errors, value: params } = yield* decodeQueryOrDefaults(AuditParams)
  const { rows, total } = yield* query(params, everything ? null : me.id, params.per_page, params.page)
  return {
    everything,
    errors,
    filters: {
      actor: params.actor, action: params.action, resource_type: params.resource_type, resource_id: params.resource_id,
      outcome: Option.getOrElse(params.outcome, () => ""), from: Option.getOrElse(params.from, () => ""), to: Option.getOrElse(params.to, () => ""),
      per_page: params.per_page
    },
    meta: pageMeta(params.page, params.per_page, total),
    rows: rows.map(rowJson)
  }
})

/** GET /api/v1/audit: the same list as JSON; `?format=csv` (Owners only, up to 10 000 rows). */
export const auditApi = Effect.gen(function* () {
  const me = yield* CurrentAdmin
  const everything = can(me.role, "read:audit:any")
  const params = yield* decodeQuery(AuditParams)
  if (params.format === "csv") {
    if (!everything) return yield* new Forbidden({ permission: "read:audit:any" })
    const { rows } = yield* query(params, null, 10_000, 1)
    const header = "id,at,actor,action,resource,outcome,old_value,new_value,ip,request_id"
    const lines = rows.map(rowJson).map((r) => [r.id, r.at, r.actor, r.action, r.resource, r.outcome, r.oldValue, r.newValue, r.ip, r.requestId].map(csvCell).join(","))
    return new Response([header, ...lines].join("\n") + "\n", { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": "attachment; filename=audit.csv" } })
  }
  const { rows, total } = yield* query(params, everything ? null : me.id, params.per_page, params.page)
  return Response.json({ data: rows.map(rowJson), meta: pageMeta(params.page, params.per_page, total) })
})
