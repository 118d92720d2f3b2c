import { AppConfig, Health } from "@nezuko/core"
import { AlertRepo, DashboardStatsRepo } from "@nezuko/db"
import { DateTime, Effect } from "effect"
import { metricsSnapshot, telegramErrorRate } from "../../services/liveMetrics.server.js"
import { localDayStart } from "../../services/localDays.server.js"

const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10)

const duration = (seconds: number | null) => {
  if (seconds === null) return "0 s"
  if (seconds < 90) return `${Math.round(seconds)} s`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`
  return `${Math.round(seconds / 360) / 10} h`
}

export const chartDecisions = ["pass", "restrict", "verify", "other"] as const

/** The 14 local dates of the chart, oldest first, so days without decisions show as zero. */
const fourteenDays = (today: DateTime.Zoned) =>
  Array.from({ length: 14 }, (_, i) => {
    const p = DateTime.toParts(DateTime.subtract(today, { days: 13 - i }))
    return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`
  })

/** PANEL-4: the cards as defined, the 14-day decisions chart, the activity feed and the open alerts. */
export const dashboard = Effect.gen(function* () {
  const config = yield* AppConfig
  const stats = yield* DashboardStatsRepo
  const now = yield* DateTime.now
  const zone = DateTime.zoneUnsafeMakeNamed(config.panelTimezone)
  const local = DateTime.setZone(now, zone)
  const startOfToday = localDayStart(now, config.panelTimezone)
  const from14 = localDayStart(now, config.panelTimezone, 13)
  const [counts, perDay, activity, alerts, live, errors, health] = yield* Effect.all([
    stats.counts(startOfToday, DateTime.toDateUtc(now)),
    stats.perDay(from14, config.panelTimezone),
    stats.activity(20),
    Effect.flatMap(AlertRepo, (r) => r.listOpen),
    metricsSnapshot,
    telegramErrorRate,
    Effect.flatMap(Health, (h) => h.report)
  ], { concurrency: "unbounded" })
  const c = counts ?? null
  const n = (v: number | undefined) => v ?? 0
  const days = fourteenDays(local).map((day) => {
    const row = { day, pass: 0, restrict: 0, verify: 0, other: 0 }
    for (const r of perDay) {
      if (r.day !== day) continue
      if (r.decision === "pass" || r.decision === "restrict") row[r.decision] += r.count
      else if (r.decision === "verify" || r.decision === "approve") row.verify += r.count
      else row.other += r.count
    }
    return row
  })
  const queueText = Object.keys(live.queues).length === 0
    ? "0 queued"
    : Object.entries(live.queues).sort().map(([p, d]) => `${p} ${d}`).join(" · ")
  return {
    timezone: config.panelTimezone,
    cards: [
      { label: "Protected groups", value: String(n(c?.protectedGroups)), hint: "enabled and not removed" },
      { label: "Need attention", value: String(n(c?.needAttention)), hint: "health degraded or broken" },
      { label: "Required channels", value: String(n(c?.requiredChannels)), hint: "linked to an enabled group" },
      { label: "Checks today", value: String(n(c?.checksToday)), hint: `since midnight ${config.panelTimezone}` },
      { label: "Restricted today", value: String(n(c?.restrictedToday)), hint: "members muted until they subscribe" },
      { label: "Verified today", value: String(n(c?.verifiedToday)), hint: "released after subscribing" },
      { label: "Pass rate (7 d)", value: `${pct(n(c?.pass7d), n(c?.pass7d) + n(c?.restrict7d))} %`, hint: "pass ÷ (pass + restrict)" },
      { label: "Cache hit rate (24 h)", value: `${pct(n(c?.cached24h), n(c?.checked24h))} %`, hint: "cached ÷ membership checks" },
      { label: "Pending now", value: String(n(c?.pendingNow)), hint: "muted, waiting to verify" },
      { label: "Median time to verify (7 d)", value: duration(c?.medianVerifySeconds7d ?? null), hint: "from mute to verified" },
      { label: "Conversion (7 d)", value: `${pct(n(c?.verified7d), n(c?.created7d))} %`, hint: "restrictions that ended verified" },
      { label: "Telegram error rate (1 h)", value: `${pct(errors.failed, errors.calls)} %`, hint: `${errors.failed} of ${errors.calls} calls failed` },
      { label: "Limiter", value: live.emergency ? "emergency" : "normal", hint: queueText },
      { label: "Bot", value: `${n(c?.liveReplicas)} live`, hint: `${health.mode} · Telegram breaker ${live.breakers.telegram ?? "closed"}` }
    ],
    days,
    activity: activity.map((a) => ({ at: a.at.toISOString(), kind: a.kind, groupId: a.groupId, userId: a.userId, detail: a.detail })),
    alerts: alerts.map((a) => ({ id: a.id, severity: a.severity, message: a.message, openedAt: a.openedAt.toISOString() }))
  }
})
