import { layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { expect } from "vitest"
import { addLogMonths, logMonthOf, logMonthStart, logPartitionName, RetentionRepo } from "../src/index.js"

const group = -1009300000001
const day = 86_400_000

/** verification_log's monthly partitions (DATA-11, DATA-21), the same tests on PGlite and on PostgreSQL 15. */
export const logPartitionSuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  layer(RetentionRepo.Default.pipe(Layer.provideMerge(database)), { timeout: "60 seconds" })(name, (it) => {
    const databaseNow = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly now: Date }>`SELECT now() AS now`).pipe(
      Effect.map((rows) => rows[0]?.now ?? new Date())
    )
    const partitions = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly name: string }>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'verification_log'::regclass ORDER BY c.relname`).pipe(Effect.map((rows) => rows.map((r) => r.name)))
    /** Writes one row at `at` and says which partition it landed in. */
    const write = (at: Date) =>
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly part: string }>`
        INSERT INTO verification_log (at, group_id, trigger, decision) VALUES (${at}, ${group}, 'message', 'pass')
        RETURNING tableoid::regclass::text AS part`).pipe(Effect.map((rows) => rows[0]?.part))

    it.effect("creates this month's partition and the next two, once; a row written now lands in this month's", () =>
      Effect.gen(function* () {
        const repo = yield* RetentionRepo
        const now = yield* databaseNow
        const months = [0, 1, 2].map((n) => logPartitionName(addLogMonths(logMonthOf(now), n)))
        expect(yield* repo.ensureLogPartitions).toBe(3)
        expect(yield* partitions).toEqual([...months, "verification_log_default"].sort())
        expect(yield* repo.ensureLogPartitions).toBe(0)
        expect(yield* write(now)).toBe(months[0])
        expect(yield* write(logMonthStart(addLogMonths(logMonthOf(now), 2)))).toBe(months[2])
      }))

    it.effect("a month that already has rows in the default partition stays there; the other months are created", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const repo = yield* RetentionRepo
        const next = addLogMonths(logMonthOf(yield* databaseNow), 1)
        yield* sql.unsafe(`DROP TABLE ${logPartitionName(next)}`)
        expect(yield* write(logMonthStart(next))).toBe("verification_log_default")
        expect(yield* repo.ensureLogPartitions).toBe(0)
        expect(yield* partitions).not.toContain(logPartitionName(next))
        // Rows of that month keep going to the default partition, and none is lost.
        expect(yield* write(new Date(logMonthStart(next).getTime() + day))).toBe("verification_log_default")
      }))

    it.effect("retention drops whole months past the period, keeps the month the cutoff falls in, deletes old default rows", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const repo = yield* RetentionRepo
        const now = yield* databaseNow
        const previous = addLogMonths(logMonthOf(now), -1)
        const ancient = { year: 2020, month: 1 }
        for (const month of [ancient, previous]) {
          yield* sql.unsafe(`CREATE TABLE ${logPartitionName(month)} PARTITION OF verification_log
            FOR VALUES FROM ('${logMonthStart(month).toISOString()}') TO ('${logMonthStart(addLogMonths(month, 1)).toISOString()}')`)
        }
        expect(yield* write(new Date(Date.UTC(2020, 0, 15)))).toBe(logPartitionName(ancient))
        const early = new Date(logMonthStart(previous).getTime() + 3_600_000)
        expect(yield* write(early)).toBe(logPartitionName(previous))
        expect(yield* write(new Date(Date.UTC(2019, 5, 1)))).toBe("verification_log_default")
        // A period whose cutoff falls inside the previous month: that month is kept whole, its early row too.
        const period = Math.ceil((now.getTime() - logMonthStart(logMonthOf(now)).getTime()) / day) + 1
        expect(yield* repo.verificationLog(period)).toEqual({ months: 1, rows: 1 })
        const left = yield* partitions
        expect(left).not.toContain(logPartitionName(ancient))
        expect(left).toContain(logPartitionName(previous))
        const kept = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM verification_log WHERE at = ${early}`
        expect(kept[0]?.n).toBe(1)
        expect(yield* repo.verificationLog(period)).toEqual({ months: 0, rows: 0 })
      }))
  })
