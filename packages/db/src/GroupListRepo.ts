import { SqlClient, type Statement } from "@effect/sql"
import type { ChatId } from "@nezuko/domain"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"
import { checkDecisions, groupChecksWindowKey } from "./HourlyRollup.js"

export const groupSorts = ["title", "created_at", "pending", "checks_7d", "health", "member_count"] as const
export type GroupSort = (typeof groupSorts)[number]

/** PANEL-5's list query, already validated by the panel. */
export interface GroupListQuery {
  readonly page: number
  readonly perPage: number
  readonly sort: GroupSort
  readonly order: "asc" | "desc"
  readonly status: "all" | "protected" | "disabled" | "removed"
  readonly health: "any" | "ok" | "degraded" | "broken"
  readonly q: string
}

export interface GroupListRow {
  readonly chatId: number
  readonly title: string
  readonly username: string | null
  readonly enabled: boolean
  readonly health: string
  readonly healthReason: string | null
  readonly botStatus: string | null
  readonly botCanRestrict: boolean
  readonly botCanDelete: boolean
  readonly botCanInvite: boolean
  readonly memberCount: number | null
  readonly protectedAt: Date | null
  readonly createdAt: Date
  readonly channelHealth: ReadonlyArray<string>
  readonly pending: number
  readonly checks7d: number
}

/**
 * The groups table of the panel (PANEL-5) at 100 000 groups: filter and page on `groups` first (its indexes),
 * then compute pending, checks and channel health for the page's rows only. The two aggregate sorts page over
 * candidates instead of every group: the top rows of each part whose value is known to be exact — groups with
 * pending restrictions (few), groups whose rolled-up checks need no correction (walked in index order), groups
 * with none — since the first rows of a union are among the first rows of its parts.
 */
export class GroupListRepo extends Effect.Service<GroupListRepo>()("@nezuko/db/GroupListRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const where = (q: GroupListQuery) => {
      const parts = []
      if (q.status === "protected") parts.push(sql`g.enabled AND g.health <> 'removed'`)
      if (q.status === "disabled") parts.push(sql`NOT g.enabled AND g.health <> 'removed'`)
      if (q.status === "removed") parts.push(sql`g.health = 'removed'`)
      if (q.health !== "any") parts.push(sql`g.health = ${q.health}`)
      const text = q.q.trim()
      if (/^-?\d{1,16}$/.test(text)) parts.push(sql`g.chat_id = ${Number(text)}`)
      else if (text !== "") {
        const like = `%${text.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`
        parts.push(sql`(lower(g.title) LIKE ${like} OR lower(g.username) LIKE ${like})`)
      }
      return parts.length === 0 ? sql`true` : sql.and(parts)
    }

    const since7d = () => new Date(Date.now() - 7 * 86_400_000)

    /** The window group_check_counts covers, when it can serve a 7-day count starting at `from`. */
    const checksWindow = (from: Date) =>
      Effect.map(sql<{ readonly windowFrom: Date; readonly windowUntil: Date }>`
        SELECT (value ->> 'from')::timestamptz AS window_from, (value ->> 'until')::timestamptz AS window_until
        FROM app_settings WHERE key = ${groupChecksWindowKey}`, (rows) => {
        const w = rows[0]
        return w !== undefined && w.windowFrom <= from && w.windowUntil > from && w.windowUntil.getTime() <= Date.now() ? w : undefined
      })

    const list = (q: GroupListQuery) =>
      Effect.gen(function* () {
        const dir = q.order === "asc" ? sql`ASC` : sql`DESC`
        const offset = (q.page - 1) * q.perPage
        const k = offset + q.perPage
        const from7d = since7d()
        const filter = where(q)
        // The LATERAL … OFFSET 0 probes keep the few candidates' filter to index lookups: joined, the planner
        // prefers hashing all 100 000 groups.
        const ranked = (candidates: Statement.Fragment) => sql`
          cand AS (${candidates}),
          page AS (SELECT chat_id, row_number() OVER (ORDER BY n ${dir}, chat_id ${dir}) AS rn FROM cand ORDER BY n ${dir}, chat_id ${dir} LIMIT ${q.perPage} OFFSET ${offset})`
        const page = yield* (() => {
          switch (q.sort) {
            case "title":
            case "created_at":
            case "health":
            case "member_count": {
              const orderBy = q.sort === "title"
                ? sql`lower(g.title) ${dir}, g.chat_id ${dir}`
                : q.sort === "created_at"
                ? sql`g.created_at ${dir}, g.chat_id ${dir}`
                : q.sort === "health"
                ? sql`g.health ${dir}, g.chat_id ${dir}`
                : sql`g.member_count ${dir} NULLS LAST, g.chat_id ${dir}`
              return Effect.succeed(sql`
                page AS (SELECT g.chat_id, row_number() OVER (ORDER BY ${orderBy}) AS rn FROM groups g WHERE ${filter} ORDER BY ${orderBy} LIMIT ${q.perPage} OFFSET ${offset})`)
            }
            case "pending":
              return Effect.succeed(ranked(sql`
                (SELECT r.group_id AS chat_id, r.n
                   FROM (SELECT group_id, count(*)::int AS n FROM restrictions WHERE state = 'pending' GROUP BY group_id ORDER BY 2 ${dir}, 1 ${dir}) r
                   CROSS JOIN LATERAL (SELECT 1 FROM groups g WHERE g.chat_id = r.group_id AND ${filter} OFFSET 0) f
                   ORDER BY r.n ${dir}, r.group_id ${dir} LIMIT ${k})
                UNION ALL
                (SELECT g.chat_id, 0 FROM groups g
                   WHERE ${filter} AND NOT EXISTS (SELECT 1 FROM restrictions r WHERE r.group_id = g.chat_id AND r.state = 'pending')
                   ORDER BY g.chat_id ${dir} LIMIT ${k})`))
            case "checks_7d":
              return Effect.map(checksWindow(from7d), (w) => {
                if (w === undefined) {
                  return ranked(sql`
                    SELECT g.chat_id, coalesce(agg.n, 0) AS n FROM groups g
                    LEFT JOIN (SELECT group_id, count(*)::int AS n FROM verification_log WHERE at >= ${from7d} AND decision IN ${sql.in(checkDecisions)} GROUP BY group_id) agg
                      ON agg.group_id = g.chat_id
                    WHERE ${filter}`)
                }
                // group_check_counts holds [windowFrom, windowUntil); the log supplies [from7d, …) around it.
                return sql`
                  delta AS (
                    SELECT group_id, sum(d)::int AS d FROM (
                      SELECT group_id, -1 AS d FROM verification_log
                      WHERE at >= ${w.windowFrom} AND at < ${from7d} AND decision IN ${sql.in(checkDecisions)}
                      UNION ALL
                      SELECT group_id, 1 FROM verification_log WHERE at >= ${w.windowUntil} AND decision IN ${sql.in(checkDecisions)}
                    ) e GROUP BY group_id
                  ),
                  ${ranked(sql`
                    (SELECT x.group_id AS chat_id, x.n FROM (
                       SELECT d.group_id, coalesce((SELECT c.checks FROM group_check_counts c WHERE c.group_id = d.group_id), 0) + d.d AS n
                       FROM delta d ORDER BY 2 ${dir}, 1 ${dir}) x
                     CROSS JOIN LATERAL (SELECT 1 FROM groups g WHERE g.chat_id = x.group_id AND ${filter} OFFSET 0) f
                     ORDER BY x.n ${dir}, x.group_id ${dir} LIMIT ${k})
                    UNION ALL
                    (SELECT g.chat_id, c.checks FROM group_check_counts c JOIN groups g ON g.chat_id = c.group_id
                       WHERE ${filter} AND c.group_id NOT IN (SELECT group_id FROM delta)
                       ORDER BY c.checks ${dir}, c.group_id ${dir} LIMIT ${k})
                    UNION ALL
                    (SELECT g.chat_id, 0 FROM groups g
                       WHERE ${filter} AND NOT EXISTS (SELECT 1 FROM group_check_counts c WHERE c.group_id = g.chat_id)
                         AND g.chat_id NOT IN (SELECT group_id FROM delta)
                       ORDER BY g.chat_id ${dir} LIMIT ${k})`)}`
              })
          }
        })()
        const [rows, total] = yield* Effect.all([
          sql<GroupListRow>`
            WITH ${page}
            SELECT g.chat_id, g.title, g.username, g.enabled, g.health, g.health_reason, g.bot_status, g.bot_can_restrict,
              g.bot_can_delete, g.bot_can_invite, g.member_count, g.protected_at, g.created_at,
              coalesce((SELECT array_agg(c.health ORDER BY gc.position, c.chat_id) FROM group_channels gc JOIN channels c ON c.chat_id = gc.channel_id
                        WHERE gc.group_id = g.chat_id), '{}') AS channel_health,
              (SELECT count(*)::int FROM restrictions r WHERE r.group_id = g.chat_id AND r.state = 'pending') AS pending,
              (SELECT count(*)::int FROM verification_log v WHERE v.group_id = g.chat_id AND v.at >= ${from7d}
                 AND v.decision IN ${sql.in(checkDecisions)}) AS checks7d
            FROM page p JOIN groups g ON g.chat_id = p.chat_id ORDER BY p.rn`,
          sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM groups g WHERE ${filter}`
        ], { concurrency: 2 })
        return { rows, total: total[0]?.n ?? 0 }
      }).pipe(dbCall)

    /** Pending restrictions and 7-day checks of one group (its header cards). */
    const countsOf = (groupId: ChatId) =>
      dbCall(Effect.map(sql<{ readonly pending: number; readonly checks7d: number }>`
        SELECT (SELECT count(*)::int FROM restrictions WHERE group_id = ${groupId} AND state = 'pending') AS pending,
               (SELECT count(*)::int FROM verification_log WHERE group_id = ${groupId} AND at >= ${since7d()}
                  AND decision IN ${sql.in(checkDecisions)}) AS checks7d`, (rows) => rows[0] ?? { pending: 0, checks7d: 0 }))

    return { list, countsOf } as const
  })
}) {}
