import { SqlClient } from "@effect/sql"
import type { ChatId } from "@nezuko/domain"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

export interface DecisionQuery {
  readonly groupId: ChatId
  readonly decision: string | null
  readonly trigger: string | null
  readonly userId: number | null
  readonly page: number
  readonly perPage: number
  readonly order: "asc" | "desc"
}

export interface DecisionRow {
  readonly id: number
  readonly at: Date
  readonly userId: number | null
  readonly senderChatId: number | null
  readonly trigger: string
  readonly decision: string
  readonly reason: string | null
  readonly channelIds: ReadonlyArray<number>
  readonly missingChannelIds: ReadonlyArray<number>
  readonly cached: boolean | null
  readonly latencyMs: number | null
  readonly errorCode: string | null
  readonly correlationId: string | null
}

/** One group's verification log for the panel's Decisions tab ("why was this user muted?", PANEL-6). */
export class DecisionLogRepo extends Effect.Service<DecisionLogRepo>()("@nezuko/db/DecisionLogRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const list = (q: DecisionQuery) =>
      Effect.gen(function* () {
        const filter = sql.and([
          sql`group_id = ${q.groupId}`,
          q.decision === null ? sql`true` : sql`decision = ${q.decision}`,
          q.trigger === null ? sql`true` : sql`trigger = ${q.trigger}`,
          q.userId === null ? sql`true` : sql`user_id = ${q.userId}`
        ])
        const direction = q.order === "asc" ? sql`ASC` : sql`DESC`
        const [rows, total] = yield* Effect.all([
          sql<DecisionRow>`
            SELECT id, at, user_id, sender_chat_id, trigger, decision, reason, channel_ids, missing_channel_ids, cached,
                   latency_ms, error_code, correlation_id
            FROM verification_log WHERE ${filter} ORDER BY at ${direction}, id ${direction}
            LIMIT ${q.perPage} OFFSET ${(q.page - 1) * q.perPage}`,
          sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM verification_log WHERE ${filter}`
        ], { concurrency: 2 })
        return { rows, total: total[0]?.n ?? 0 }
      }).pipe(dbCall)

    return { list } as const
  })
}) {}
