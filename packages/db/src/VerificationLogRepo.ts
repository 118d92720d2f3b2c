import { SqlClient } from "@effect/sql"
import { type DecisionKind, VerificationDecision } from "@nezuko/domain"
import { Array as Arr, Effect, Schema } from "effect"
import { dbCall } from "./dbCall.js"

// node-postgres sends JS arrays as Postgres array literals, so channel id lists need no special handling.
const encode = Schema.encodeSync(Schema.Array(VerificationDecision))
const rowsPerInsert = 1_000

/** The verification log (DATA-11): every decision, written in batches by the buffered writer (DATA-21). */
export class VerificationLogRepo extends Effect.Service<VerificationLogRepo>()("@nezuko/db/VerificationLogRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    // A statement carries at most 65 535 parameters (14 per row: 4 681 rows). The writer keeps up to 10 000
    // rows through an outage (LIM-13), so one INSERT of them all was refused every time and the backlog was
    // never written; chunks in one transaction keep the batch all-or-nothing, as the writer's retry expects.
    const insertMany = (rows: ReadonlyArray<VerificationDecision>) => {
      if (rows.length === 0) return Effect.void
      const insert = (chunk: ReadonlyArray<VerificationDecision>) => sql`INSERT INTO verification_log ${sql.insert(encode(chunk))}`
      if (rows.length <= rowsPerInsert) return dbCall(Effect.asVoid(insert(rows)))
      return dbCall(sql.withTransaction(Effect.forEach(Arr.chunksOf(rows, rowsPerInsert), insert, { discard: true })))
    }

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
