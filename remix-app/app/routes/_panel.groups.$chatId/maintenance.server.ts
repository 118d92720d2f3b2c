import { type AuditContext, AuditTrail, BatchScan, BotStatus } from "@nezuko/core"
import { ChannelRepo } from "@nezuko/db"
import { type ChatId, Conflict, FieldError, type Group, ValidationFailed } from "@nezuko/domain"
import { Effect, Option, ParseResult, Schema } from "effect"
import { chatIdParam, jsonBody, requireMethod } from "../../api/groups.server.js"
import { auditContext, RequestInfo } from "../../request.server.js"
import { GroupAdmin } from "../../services/GroupAdmin.server.js"
import { applyImport, exportConfig, GroupConfig, previewImport } from "./config.server.js"

const record = (context: AuditContext, action: string, chatId: ChatId, newValue: unknown) =>
  Effect.flatMap(AuditTrail, (t) => t.record(context, { action, resourceType: "group", resourceId: String(chatId), oldValue: null, newValue }))

/**
 * PANEL-6 "Scan members": enqueues BOT-48's batch_scan job, which the bot's jobs role runs. A group that is not
 * protected, or links no channel, would only be skipped by the job, so it is refused here; a scan already queued
 * or running is a conflict (one scan per group at a time).
 */
export const startScan = (chatId: ChatId, context: AuditContext) =>
  Effect.gen(function* () {
    const group = yield* Effect.flatMap(GroupAdmin, (a) => a.groupOf(chatId))
    if (!group.enabled) return yield* new ValidationFailed({ errors: [new FieldError({ field: "/enabled", message: "protection is off: turn it on before scanning" })] })
    const linked = yield* Effect.flatMap(ChannelRepo, (r) => r.linkedTo(chatId))
    if (linked.length === 0) return yield* new ValidationFailed({ errors: [new FieldError({ field: "/channels", message: "link a channel first: there is nothing to check" })] })
    const job = yield* Effect.flatMap(BatchScan, (s) => s.start(chatId))
    if (Option.isNone(job)) return yield* new Conflict({ resource: "batch scan", reason: "a scan of this group is already queued or running" })
    yield* record(context, "group.scan", chatId, { jobId: job.value })
    return job.value
  })

/** PANEL-6 "Re-check bot rights": BOT-45's health check, queued to run now by the bot's jobs role. */
export const requestHealthCheck = (chatId: ChatId, context: AuditContext) =>
  Effect.gen(function* () {
    yield* Effect.flatMap(GroupAdmin, (a) => a.groupOf(chatId))
    const job = yield* Effect.flatMap(BotStatus, (s) => s.requestCheck(chatId))
    if (Option.isNone(job)) return yield* new Conflict({ resource: "health check", reason: "a check of this group is already queued" })
    yield* record(context, "group.health_check", chatId, { jobId: job.value })
    return job.value
  })

/** What the Maintenance tab shows: the last scan's job and summary, and when the bot's rights were last checked. */
export const maintenanceOf = (group: Group) =>
  Effect.gen(function* () {
    const last = yield* Effect.flatMap(BatchScan, (s) => s.latest(group.chatId))
    return {
      healthCheckedAt: group.healthCheckedAt?.toISOString() ?? null,
      lastScan: Option.match(last, {
        onNone: () => null,
        onSome: (j) => ({ id: j.id, state: j.state, runAt: j.runAt.toISOString(), updatedAt: j.updatedAt.toISOString(), lastError: j.lastError, summary: summaryOf(j.result) })
      })
    }
  })

const Summary = Schema.Struct({
  checked: Schema.Number, not_subscribed: Schema.Number, errors: Schema.Number,
  mode: Schema.optional(Schema.String), duration_ms: Schema.optional(Schema.Number)
})
// A running scan stores its progress, a finished one its BatchScanResult; both carry the counts.
const summaryOf = (result: unknown) => Option.getOrNull(Schema.decodeUnknownOption(Summary)(result))

const pointer = (path: ReadonlyArray<PropertyKey>) => `/${path.map(String).join("/")}`

/** The pasted or uploaded document, parsed and decoded; errors point into the document (`/config/settings/…`). */
export const decodeConfigText = (text: string) =>
  Effect.gen(function* () {
    const json = yield* Effect.try(() => JSON.parse(text) as unknown).pipe(
      Effect.mapError(() => new ValidationFailed({ errors: [new FieldError({ field: "/config", message: "is not valid JSON" })] }))
    )
    return yield* Schema.decodeUnknown(GroupConfig)(json, { errors: "all", onExcessProperty: "error" }).pipe(
      Effect.mapError((e) => new ValidationFailed({
        errors: ParseResult.ArrayFormatter.formatErrorSync(e).map((i) => new FieldError({ field: `/config${pointer(i.path)}`, message: i.message }))
      }))
    )
  })

/** POST /api/v1/groups/:id/scan → 202 {job_id} */
export const apiScan = Effect.gen(function* () {
  yield* requireMethod("POST")
  const id = yield* chatIdParam()
  const job = yield* Effect.flatMap(auditContext, (ctx) => startScan(id, ctx))
  return Response.json({ data: { job_id: job, kind: "batch_scan" } }, { status: 202 })
})

/** POST /api/v1/groups/:id/health-check → 202 {job_id} */
export const apiHealthCheck = Effect.gen(function* () {
  yield* requireMethod("POST")
  const id = yield* chatIdParam()
  const job = yield* Effect.flatMap(auditContext, (ctx) => requestHealthCheck(id, ctx))
  return Response.json({ data: { job_id: job, kind: "health_check" } }, { status: 202 })
})

/** GET /api/v1/groups/:id/export: the document itself, as a download, so it can be posted back to …/import. */
export const apiExport = Effect.gen(function* () {
  const id = yield* chatIdParam()
  const group = yield* Effect.flatMap(GroupAdmin, (a) => a.groupOf(id))
  const document = yield* exportConfig(group)
  return new Response(`${JSON.stringify(document, null, 2)}\n`, {
    headers: { "content-type": "application/json; charset=utf-8", "content-disposition": `attachment; filename="nezuko-group-${group.chatId}.json"` }
  })
})

const ImportQuery = Schema.Struct({
  dry_run: Schema.optionalWith(Schema.Literal("true", "false", "1", "0"), { default: () => "false" as const }),
  base: Schema.optional(Schema.String.pipe(Schema.pattern(/^[0-9a-f]{16}$/)))
})

/**
 * POST /api/v1/groups/:id/import (body: an exported document). `?dry_run=true` only answers the diff and its
 * `base`; applying with `?base=` refuses (409) when the group changed in between.
 */
export const apiImport = Effect.gen(function* () {
  yield* requireMethod("POST")
  const id = yield* chatIdParam()
  yield* Effect.flatMap(GroupAdmin, (a) => a.groupOf(id))
  const { url } = yield* RequestInfo
  const query = yield* Schema.decodeUnknown(ImportQuery)(Object.fromEntries(url.searchParams), { errors: "all", onExcessProperty: "ignore" })
  const config = yield* jsonBody(GroupConfig)
  if (query.dry_run === "true" || query.dry_run === "1") {
    const { base, diff } = yield* previewImport(id, config)
    return { applied: false, base, diff }
  }
  const diff = yield* Effect.flatMap(auditContext, (ctx) => applyImport(id, config, query.base, ctx))
  return { applied: diff.changes > 0, diff }
})
