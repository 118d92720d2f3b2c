import { SqlClient } from "@effect/sql"
import type { ChatId } from "@nezuko/domain"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

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

// The decisions that count as a check (PANEL-4).
export const checkDecisions = ["pass", "restrict", "still_missing", "verify", "approve", "decline", "deferred"] as const

/**
 * The groups table of the panel (PANEL-5) at 100 000 groups: filter and page on `groups` first (its indexes),
 * then compute pending, checks and channel health for the page's rows only. Sorting by an aggregate joins a
 * per-group aggregate instead.
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

    const list = (q: GroupListQuery) =>
      Effect.gen(function* () {
        const direction = q.order === "asc" ? sql`ASC` : sql`DESC`
        const offset = (q.page - 1) * q.perPage
        const from7d = since7d()
        const orderBy = (() => {
          switch (q.sort) {
            case "title": return sql`lower(g.title) ${direction}, g.chat_id ${direction}`
            case "created_at": return sql`g.created_at ${direction}, g.chat_id ${direction}`
            case "health": return sql`g.health ${direction}, g.chat_id ${direction}`
            case "member_count": return sql`g.member_count ${direction} NULLS LAST, g.chat_id ${direction}`
            case "pending": return sql`coalesce(agg.n, 0) ${direction}, g.chat_id ${direction}`
            case "checks_7d": return sql`coalesce(agg.n, 0) ${direction}, g.chat_id ${direction}`
          }
        })()
        const aggregate = q.sort === "pending"
          ? sql`LEFT JOIN (SELECT group_id, count(*)::int AS n FROM restrictions WHERE state = 'pending' GROUP BY group_id) agg ON agg.group_id = g.chat_id`
          : q.sort === "checks_7d"
          ? sql`LEFT JOIN (SELECT group_id, count(*)::int AS n FROM verification_log WHERE at >= ${from7d} AND decision IN ${sql.in(checkDecisions)} GROUP BY group_id) agg ON agg.group_id = g.chat_id`
          : sql``
        const filter = where(q)
        const [rows, total] = yield* Effect.all([
          sql<GroupListRow>`
            WITH page AS (
              SELECT g.*, row_number() OVER (ORDER BY ${orderBy}) AS rn
              FROM groups g ${aggregate} WHERE ${filter} ORDER BY ${orderBy} LIMIT ${q.perPage} OFFSET ${offset}
            )
            SELECT p.chat_id, p.title, p.username, p.enabled, p.health, p.health_reason, p.bot_status, p.bot_can_restrict,
              p.bot_can_delete, p.bot_can_invite, p.member_count, p.protected_at, p.created_at,
              coalesce((SELECT array_agg(c.health ORDER BY gc.position, c.chat_id) FROM group_channels gc JOIN channels c ON c.chat_id = gc.channel_id
                        WHERE gc.group_id = p.chat_id), '{}') AS channel_health,
              (SELECT count(*)::int FROM restrictions r WHERE r.group_id = p.chat_id AND r.state = 'pending') AS pending,
              (SELECT count(*)::int FROM verification_log v WHERE v.group_id = p.chat_id AND v.at >= ${from7d}
                 AND v.decision IN ${sql.in(checkDecisions)}) AS checks7d
            FROM page p ORDER BY p.rn`,
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
