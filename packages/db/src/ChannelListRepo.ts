import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { dbCall, sqlStateOf } from "./dbCall.js"

export const channelSorts = ["title", "created_at", "linked_groups", "subscribers"] as const
export type ChannelSort = (typeof channelSorts)[number]

export interface ChannelListRow {
  readonly chatId: number
  readonly title: string
  readonly username: string | null
  readonly inviteLink: string | null
  readonly botStatus: string | null
  readonly health: string
  readonly healthReason: string | null
  readonly subscriberCount: number | null
  readonly lastSyncedAt: Date | null
  readonly createdAt: Date
  readonly linkedGroups: number
}

/** The channels list and detail (PANEL-8). */
export class ChannelListRepo extends Effect.Service<ChannelListRepo>()("@nezuko/db/ChannelListRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const list = (q: { readonly q: string; readonly sort: ChannelSort; readonly order: "asc" | "desc"; readonly page: number; readonly perPage: number }) =>
      Effect.gen(function* () {
        const text = q.q.trim().replace(/^@/, "")
        const filter = text === "" ? sql`true`
          : /^-?\d{1,16}$/.test(text) ? sql`c.chat_id = ${Number(text)}`
          : sql`(lower(c.title) LIKE ${`%${text.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`} OR lower(c.username) LIKE ${`%${text.toLowerCase().replace(/[\\%_]/g, "\\$&")}%`})`
        const dir = q.order === "asc" ? sql`ASC` : sql`DESC`
        const orderBy = q.sort === "title" ? sql`lower(c.title) ${dir}`
          : q.sort === "linked_groups" ? sql`linked_groups ${dir}`
          : q.sort === "subscribers" ? sql`c.subscriber_count ${dir} NULLS LAST`
          : sql`c.created_at ${dir}`
        const [rows, total] = yield* Effect.all([
          sql<ChannelListRow>`
            SELECT c.chat_id, c.title, c.username, c.invite_link, c.bot_status, c.health, c.health_reason, c.subscriber_count,
                   c.last_synced_at, c.created_at, (SELECT count(*)::int FROM group_channels gc WHERE gc.channel_id = c.chat_id) AS linked_groups
            FROM channels c WHERE ${filter} ORDER BY ${orderBy}, c.chat_id ${dir} LIMIT ${q.perPage} OFFSET ${(q.page - 1) * q.perPage}`,
          sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM channels c WHERE ${filter}`
        ], { concurrency: 2 })
        return { rows, total: total[0]?.n ?? 0 }
      }).pipe(dbCall)

    const groupsOf = (channelId: number) =>
      dbCall(sql<{ readonly chatId: number; readonly title: string; readonly enabled: boolean; readonly health: string }>`
        SELECT g.chat_id, g.title, g.enabled, g.health FROM group_channels gc JOIN groups g ON g.chat_id = gc.group_id
        WHERE gc.channel_id = ${channelId} ORDER BY lower(g.title) LIMIT 500`)

    const setInviteLink = (channelId: number, link: string | null) =>
      dbCall(Effect.map(sql`UPDATE channels SET invite_link = ${link}, invite_link_by_bot = false, updated_at = now() WHERE chat_id = ${channelId} RETURNING chat_id`,
        (rows) => rows.length > 0))

    /**
     * PANEL-8's delete: only a channel no group links; its open alerts are resolved with it. The check and the delete are one statement, and a link
     * inserted concurrently is stopped by the foreign key (ON DELETE RESTRICT), so both read as "linked".
     */
    const remove = (channelId: number) =>
      Effect.gen(function* () {
        const rows = yield* sql<{ readonly deleted: boolean; readonly existed: boolean }>`
          WITH target AS (SELECT chat_id FROM channels WHERE chat_id = ${channelId}),
          gone AS (
            DELETE FROM channels c USING target t
            WHERE c.chat_id = t.chat_id AND NOT EXISTS (SELECT 1 FROM group_channels gc WHERE gc.channel_id = t.chat_id)
            RETURNING c.chat_id),
          -- Alerts about a channel that no longer exists could never be resolved by the bot.
          resolved AS (UPDATE alerts SET resolved_at = now() WHERE channel_id IN (SELECT chat_id FROM gone) AND resolved_at IS NULL)
          SELECT EXISTS (SELECT 1 FROM gone) AS deleted, EXISTS (SELECT 1 FROM target) AS existed`.pipe(
          Effect.catchIf((e) => e._tag === "SqlError" && sqlStateOf(e) === "23503", () => Effect.succeed([{ deleted: false, existed: true }]))
        )
        const row = rows[0]
        return row === undefined || !row.existed ? "missing" as const : row.deleted ? "deleted" as const : "linked" as const
      }).pipe(dbCall)

    return { list, groupsOf, setInviteLink, remove } as const
  })
}) {}
