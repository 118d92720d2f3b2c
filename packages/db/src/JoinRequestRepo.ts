import { SqlClient, SqlSchema } from "@effect/sql"
import { ChatId, UserId } from "@nezuko/domain"
import { Effect, Option, Schema } from "effect"
import { dbCall } from "./dbCall.js"

export const JoinRequestState = Schema.Literal("pending", "approved", "declined", "expired", "abandoned")
export type JoinRequestState = typeof JoinRequestState.Type

/** One row of `join_requests` (DATA-10). */
export const JoinRequestRecord = Schema.Struct({
  id: Schema.Number,
  groupId: ChatId,
  userId: UserId,
  userChatId: Schema.Number,
  state: JoinRequestState,
  dmMessageId: Schema.NullOr(Schema.Number),
  requestedAt: Schema.DateFromSelf,
  decidedAt: Schema.NullOr(Schema.DateFromSelf),
  decidedBy: Schema.NullOr(Schema.String)
})
export type JoinRequestRecord = typeof JoinRequestRecord.Type

const columns = "id, group_id, user_id, user_chat_id, state, dm_message_id, requested_at, decided_at, decided_by"

/** Join requests the bot is gating (DATA-10): at most one pending record per (group, user). */
export class JoinRequestRepo extends Effect.Service<JoinRequestRepo>()("@nezuko/db/JoinRequestRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** BOT-16: the requests themselves are left to human admins; only our records close. */
    const abandonPending = (groupId: ChatId) =>
      dbCall(Effect.map(
        sql`UPDATE join_requests SET state = 'abandoned', decided_at = now(), updated_at = now()
            WHERE group_id = ${groupId} AND state = 'pending' RETURNING id`,
        (rows) => rows.length
      ))

    // The partial unique index makes a redelivered request a no-op (None), never a second record (BOT-3).
    const insert = SqlSchema.findAll({
      Request: Schema.Struct({ groupId: ChatId, userId: UserId, userChatId: Schema.Number, requestedAt: Schema.DateFromSelf }),
      Result: JoinRequestRecord,
      execute: (r) => sql`
        INSERT INTO join_requests (group_id, user_id, user_chat_id, requested_at)
        VALUES (${r.groupId}, ${r.userId}, ${r.userChatId}, ${r.requestedAt})
        ON CONFLICT (group_id, user_id) WHERE state = 'pending' DO NOTHING
        RETURNING ${sql.literal(columns)}`
    })

    const findPending = SqlSchema.findOne({
      Request: Schema.Struct({ groupId: ChatId, userId: UserId }),
      Result: JoinRequestRecord,
      execute: ({ groupId, userId }) =>
        sql`SELECT ${sql.literal(columns)} FROM join_requests WHERE group_id = ${groupId} AND user_id = ${userId} AND state = 'pending'`
    })

    const findById = SqlSchema.findOne({
      Request: Schema.Number,
      Result: JoinRequestRecord,
      execute: (id) => sql`SELECT ${sql.literal(columns)} FROM join_requests WHERE id = ${id}`
    })

    const pendingForUser = SqlSchema.findAll({
      Request: UserId,
      Result: JoinRequestRecord,
      execute: (userId) => sql`SELECT ${sql.literal(columns)} FROM join_requests WHERE user_id = ${userId} AND state = 'pending' ORDER BY id`
    })

    /**
     * BOT-31: whether the bot itself approved this user's request to the group since `since` (records closed
     * as `external` were approved by someone else, so the user was never checked).
     */
    const approvedByBotSince = (groupId: ChatId, userId: UserId, since: Date) =>
      dbCall(Effect.map(
        sql`SELECT 1 FROM join_requests
            WHERE group_id = ${groupId} AND user_id = ${userId} AND state = 'approved'
              AND decided_by <> 'external' AND decided_at >= ${since}
            LIMIT 1`,
        (rows) => rows.length > 0
      ))

    return {
      abandonPending,
      approvedByBotSince,
      insertPending: (r: { readonly groupId: ChatId; readonly userId: UserId; readonly userChatId: number; readonly requestedAt: Date }) =>
        dbCall(Effect.map(insert(r), (rows) => Option.fromNullable(rows[0]))),
      findPending: (groupId: ChatId, userId: UserId) => dbCall(findPending({ groupId, userId })),
      findById: (id: number) => dbCall(findById(id)),
      pendingForUser: (userId: UserId) => dbCall(pendingForUser(userId)),
      setDmMessage: (id: number, messageId: number) =>
        dbCall(Effect.asVoid(sql`UPDATE join_requests SET dm_message_id = ${messageId}, updated_at = now() WHERE id = ${id}`)),
      /** Closes a pending record; false when it was no longer pending (another path decided first). */
      close: (id: number, state: Exclude<JoinRequestState, "pending">, by: string) =>
        dbCall(Effect.map(
          sql`UPDATE join_requests SET state = ${state}, decided_at = now(), decided_by = ${by}, updated_at = now()
              WHERE id = ${id} AND state = 'pending' RETURNING id`,
          (rows) => rows.length > 0
        ))
    } as const
  })
}) {}
