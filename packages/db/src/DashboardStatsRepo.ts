import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"
import { checkDecisions, decisionSource } from "./HourlyRollup.js"

export interface DashboardCounts {
  readonly protectedGroups: number
  readonly needAttention: number
  readonly requiredChannels: number
  readonly checksToday: number
  readonly restrictedToday: number
  readonly verifiedToday: number
  readonly pass7d: number
  readonly restrict7d: number
  readonly cached24h: number
  readonly checked24h: number
  readonly pendingNow: number
  readonly medianVerifySeconds7d: number | null
  readonly created7d: number
  readonly verified7d: number
  readonly liveReplicas: number
}

export interface DayCount {
  readonly day: string
  readonly decision: string
  readonly count: number
}

export interface ActivityRow {
  readonly at: Date
  readonly kind: string
  readonly groupId: number | null
  readonly userId: number | null
  readonly detail: string | null
}

const notable = ["restrict", "verify", "kick", "ban", "release", "approve", "decline"] as const

/** PANEL-4's figures, each one SQL statement over the verification log, restrictions, groups and instances. */
export class DashboardStatsRepo extends Effect.Service<DashboardStatsRepo>()("@nezuko/db/DashboardStatsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /**
     * `startOfToday` is midnight in PANEL_TIMEZONE; `now` is passed so tests and the cards agree on one instant.
     * Decision counts read the rolled-up hours plus the log's rows around them (decisionSource); the rest are
     * running sums kept by triggers (migration 0010) or index-only counts. Two statements, so they run on two
     * connections.
     */
    const counts = (startOfToday: Date, now: Date) => {
      const d7 = new Date(now.getTime() - 7 * 86_400_000)
      const h24 = new Date(now.getTime() - 86_400_000)
      const decisions = Effect.gen(function* () {
        const today = yield* decisionSource(sql, { from: startOfToday, to: new Date(now.getTime() + 1), groupId: null })
        const week = yield* decisionSource(sql, { from: d7, to: now, groupId: null })
        const day = yield* decisionSource(sql, { from: h24, to: new Date(now.getTime() + 86_400_000), groupId: null })
        return yield* sql<Pick<DashboardCounts, "checksToday" | "restrictedToday" | "verifiedToday" | "pass7d" | "restrict7d" | "cached24h" | "checked24h">>`
        SELECT t.checks_today, t.restricted_today, t.verified_today, w.pass7d, w.restrict7d, h.cached24h, h.checked24h
        FROM
          (SELECT coalesce(sum(n) FILTER (WHERE decision IN ${sql.in(checkDecisions)}), 0)::int AS checks_today,
                  coalesce(sum(n) FILTER (WHERE decision = 'restrict'), 0)::int AS restricted_today,
                  coalesce(sum(n) FILTER (WHERE decision IN ('verify', 'approve')), 0)::int AS verified_today
             FROM ${today} s) t,
          (SELECT coalesce(sum(n) FILTER (WHERE decision = 'pass'), 0)::int AS pass7d, coalesce(sum(n) FILTER (WHERE decision = 'restrict'), 0)::int AS restrict7d
             FROM ${week} s WHERE decision IN ('pass', 'restrict')) w,
          (SELECT coalesce(sum(cached), 0)::int AS cached24h, coalesce(sum(checked), 0)::int AS checked24h
             FROM ${day} s) h`
      })
      const others = sql<Omit<DashboardCounts, "checksToday" | "restrictedToday" | "verifiedToday" | "pass7d" | "restrict7d" | "cached24h" | "checked24h">>`
        SELECT
          (SELECT coalesce(sum(protected), 0)::int FROM group_count_deltas) AS protected_groups,
          (SELECT coalesce(sum(attention), 0)::int FROM group_count_deltas) AS need_attention,
          (SELECT count(*)::int FROM (SELECT channel_id FROM channel_link_deltas GROUP BY channel_id HAVING sum(d) > 0) l) AS required_channels,
          (SELECT count(*)::int FROM restrictions WHERE state = 'pending') AS pending_now,
          (SELECT extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY resolved_at - created_at))::float8
             FROM restrictions WHERE state = 'verified' AND resolved_at >= ${d7}) AS median_verify_seconds7d,
          c.created7d, c.verified7d,
          (SELECT count(*)::int FROM bot_instances WHERE last_heartbeat_at > ${new Date(now.getTime() - 60_000)}) AS live_replicas
        FROM (SELECT count(*)::int AS created7d, count(*) FILTER (WHERE state = 'verified')::int AS verified7d
                FROM restrictions WHERE created_at >= ${d7}) c`
      return dbCall(Effect.map(Effect.all([decisions, others], { concurrency: 2 }), ([[a], [b]]) =>
        a === undefined || b === undefined ? undefined : ({ ...b, ...a }) as DashboardCounts))
    }

    /** Decisions per day in `timezone` since `from` (the 14-day bar chart). */
    const perDay = (from: Date, timezone: string, groupId?: number) =>
      dbCall(Effect.flatMap(decisionSource(sql, { from, to: new Date(Date.now() + 60_000), groupId: groupId ?? null }), (src) =>
        sql<DayCount>`
          SELECT to_char((at AT TIME ZONE ${timezone})::date, 'YYYY-MM-DD') AS day, decision, sum(n)::int AS count
          FROM ${src} s GROUP BY 1, 2 ORDER BY 1`))

    /** The last notable events: decisions that changed someone's rights, protection changes and alerts. */
    const activity = (limit: number) =>
      dbCall(sql<ActivityRow>`
        SELECT * FROM (
          (SELECT at, decision AS kind, group_id, user_id, reason AS detail FROM verification_log
             WHERE decision IN ${sql.in(notable)} ORDER BY at DESC LIMIT ${limit})
          UNION ALL
          (SELECT at, action AS kind, CASE WHEN resource_type = 'group' AND resource_id ~ '^-?[0-9]+$' THEN resource_id::bigint END AS group_id,
                  actor_tg_id AS user_id, actor_type AS detail FROM audit_log
             WHERE action IN ('bot.protect', 'bot.unprotect', 'group.enable', 'group.disable', 'group.channel.link', 'group.channel.unlink')
             ORDER BY at DESC LIMIT ${limit})
          UNION ALL
          (SELECT opened_at AS at, 'alert' AS kind, group_id, NULL::bigint AS user_id, message AS detail FROM alerts
             ORDER BY opened_at DESC LIMIT ${limit})
        ) e ORDER BY at DESC LIMIT ${limit}`)

    return { counts, perDay, activity } as const
  })
}) {}
