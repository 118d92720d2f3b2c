import { SqlClient } from "@effect/sql"
import type { ChatId } from "@nezuko/domain"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

/** Join requests the bot is gating (DATA-10). */
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
    return { abandonPending } as const
  })
}) {}
