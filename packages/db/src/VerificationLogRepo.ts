import { SqlClient } from "@effect/sql"
import { type DecisionKind, VerificationDecision } from "@nezuko/domain"
import { Effect, Schema } from "effect"
import { dbCall } from "./dbCall.js"

// node-postgres sends JS arrays as Postgres array literals, so channel id lists need no special handling.
const encode = Schema.encodeSync(Schema.Array(VerificationDecision))

/** The verification log (DATA-11): every decision, written in batches by the buffered writer (DATA-21). */
export class VerificationLogRepo extends Effect.Service<VerificationLogRepo>()("@nezuko/db/VerificationLogRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const insertMany = (rows: ReadonlyArray<VerificationDecision>) =>
      rows.length === 0
        ? Effect.void
        : dbCall(Effect.asVoid(sql`INSERT INTO verification_log ${sql.insert(
encode(rows))}`))

    /** Decisions per kind since `from` (dashboard cards; PANEL-4). */
    const countByDecision = (from: Date, groupId?: number) =>
      dbCall(
        sql<{ readonly decision: DecisionKind; readonly count: number }>`
          SELECT decision, count(*) AS count FROM verification_log
          WHERE at >= ${from} ${groupId === undefined ? sql`` : sql`AND group_id = ${groupId}`} GROUP BY decision`
      ).pipe(Effect.map((rows) => Object.fromEntries(rows.map((r) => [r.decision, r.count])) as Partial<Record<DecisionKind, number>>))

    return { insertMany, countByDecision } as const
  })
}) {}
