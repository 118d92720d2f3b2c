import { AppConfig, can, CurrentAdmin, Health, TelegramApi } from "@nezuko/core"
import { OperationsRepo } from "@nezuko/db"
import { NotFound } from "@nezuko/domain"
import { redirect } from "@remix-run/node"
import { Clock, Effect, Option, Schema } from "effect"
import { audit, formData, RequestInfo } from "../../request.server.js"
import { metricsSnapshot } from "../../services/liveMetrics.server.js"

// getWebhookInfo is cached for 30 s (PANEL-13) so reloading the page never hammers Telegram.
const webhookCache = globalThis as { __nezukoWebhookInfo?: { readonly at: number; readonly value: unknown } }
const webhookInfo = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const cached = webhookCache.__nezukoWebhookInfo
  if (cached !== undefined && now - cached.at < 30_000) return cached.value
  const info = yield* Effect.flatMap(TelegramApi, (t) => t.getWebhookInfo()).pipe(Effect.timeout("3 seconds"), Effect.option)
  const value = Option.match(info, {
    onNone: () => null,
    onSome: (i) => ({ url: i.url, pending: i.pending_update_count, lastError: i.last_error_message ?? null, lastErrorAt: i.last_error_date ? new Date(i.last_error_date * 1000).toISOString() : null })
  })
  webhookCache.__nezukoWebhookInfo = { at: now, value }
  return value
})

export const statusPage = Effect.gen(function* () {
  const { url } = yield* RequestInfo
  const me = yield* CurrentAdmin
  const config = yield* AppConfig
  const ops = yield* OperationsRepo
  const [instances, jobs, dead, alerts, live, report, webhook] = yield* Effect.all([
    ops.instances, ops.jobCounts, ops.deadJobs(50), ops.openAlerts, metricsSnapshot, Effect.flatMap(Health, (h) => h.report), webhookInfo
  ], { concurrency: "unbounded" })
  const now = yield* Clock.currentTimeMillis
  const checks = report.checks as Record<string, { readonly status?: string; readonly latency_ms?: number; readonly username?: string } | undefined>
  return {
    canOperate: can(me.role, "update:operations:any"),
    notice: url.searchParams.get("notice"),
    mode: config.sandboxMode ? "sandbox" : config.webhookMode ? "webhook" : "polling",
    bot: checks.bot?.username ?? null,
    webhook: webhook as { readonly url: string; readonly pending: number; readonly lastError: string | null; readonly lastErrorAt: string | null } | null,
    instances: instances.map((i) => ({
      id: i.instanceId, roles: i.roles, mode: i.mode, version: i.version, leader: i.isLeader,
      uptimeS: Math.round((now - i.startedAt.getTime()) / 1000), lastHeartbeat: i.lastHeartbeatAt.toISOString(),
      live: now - i.lastHeartbeatAt.getTime() < 60_000
    })),
    dependencies: Object.entries(checks).filter(([, v]) => v?.status !== undefined).map(([name, v]) => ({ name, status: v?.status ?? "", latencyMs: v?.latency_ms ?? null })),
    breakers: Object.entries(live.breakers).map(([name, state]) => ({ name, state })),
    limiter: { emergency: live.emergency, queues: Object.entries(live.queues).sort().map(([priority, depth]) => ({ priority, depth })) },
    jobs,
    dead: dead.map((j) => ({ id: j.id, kind: j.kind, attempts: j.attempts, lastError: j.lastError, at: j.updatedAt.toISOString() })),
    alerts: alerts.map((a) => ({ id: a.id, kind: a.kind, severity: a.severity, message: a.message, groupId: a.groupId, openedAt: a.openedAt.toISOString(), acknowledged: a.acknowledgedAt !== null }))
  }
})

const Intent = Schema.Struct({ intent: Schema.Literal("retry", "ack"), id: Schema.NumberFromString.pipe(Schema.int(), Schema.positive()) })

/** Retry a dead job (it runs again now) or acknowledge an alert; both audited. */
export const operate = (intent?: "retry" | "ack") =>
  Effect.gen(function* () {
    const { params } = yield* RequestInfo
    const form = yield* formData
    const input = yield* Schema.decodeUnknown(Intent)(intent === undefined
      ? { intent: form.get("intent"), id: form.get("id") }
      : { intent, id: params.id })
    const ops = yield* OperationsRepo
    const me = yield* CurrentAdmin
    const ok = input.intent === "retry" ? yield* ops.retryDead(input.id) : yield* ops.acknowledge(input.id, me.id)
    if (!ok) return yield* new NotFound({ resource: input.intent === "retry" ? "dead job" : "open alert", id: String(input.id) })
    yield* audit({ action: input.intent === "retry" ? "job.retry" : "alert.ack", resourceType: input.intent === "retry" ? "job" : "alert", resourceId: String(input.id) })
    return intent === undefined ? redirect(`/status?notice=${input.intent === "retry" ? "Job+queued+again." : "Alert+acknowledged."}`, 303) : Response.json({ data: { id: input.id } }, { status: 202 })
  })
