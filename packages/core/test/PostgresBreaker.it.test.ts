import { describe, it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { dbCall, makePgLayer } from "@nezuko/db"
import { ResilienceTest, serverUrl, startTcpProxy } from "@nezuko/testing"
import { Cause, Clock, Effect, Exit, Layer, Redacted, Schedule } from "effect"
import { expect } from "vitest"
import { CircuitBreakers } from "../src/CircuitBreakers.js"
import { PostgresBreakerLive } from "../src/Database.js"

/** A TCP hop in front of Postgres that the test can cut (every connection reset, new ones refused) and restore. */
const tcpProxy = Effect.acquireRelease(
  Effect.promise(async () => {
    const target = new URL(serverUrl)
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) })
    target.port = String(proxy.port)
    return { url: target.toString(), cut: Effect.sync(proxy.cut), restore: Effect.sync(proxy.restore), close: proxy.close }
  }),
  ({ close }) => Effect.promise(close)
)

// LIM-12 defaults: 3 consecutive outages open it; 1 s open (instead of 30) keeps the test short.
const env = { BREAKER_POSTGRES_FAILURES: "3", BREAKER_POSTGRES_OPEN_SECONDS: "1" }

const withGuardedClient = <A, E>(
  body: (proxy: Effect.Effect.Success<typeof tcpProxy>) => Effect.Effect<A, E, SqlClient.SqlClient | CircuitBreakers>
) =>
  Effect.scoped(Effect.gen(function* () {
    const proxy = yield* tcpProxy
    const layer = PostgresBreakerLive.pipe(
      Layer.provide(makePgLayer({ url: Redacted.make(proxy.url), maxConnections: 2, connectTimeout: "2 seconds" })),
      Layer.provideMerge(ResilienceTest(env))
    )
    return yield* body(proxy).pipe(Effect.provide(layer))
  }))

const query = Effect.flatMap(SqlClient.SqlClient, (sql) => dbCall(sql<{ readonly one: number }>`SELECT 1 AS one`))
const postgresState = Effect.flatMap(CircuitBreakers, (b) => Effect.map(b.state("postgres"), (s) => s._tag))
const failureTag = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.match(exit, { onSuccess: () => "success", onFailure: (cause) => Cause.failureOption(cause).pipe((o) => (o._tag === "Some" ? o.value._tag : "defect")) })

describe("PostgresBreakerLive: every query feeds the postgres breaker (LIM-12)", () => {
  it.live("opens after 3 outages, then fails fast with DatabaseUnavailable, probes SELECT 1 and closes when the database is back", () =>
    withGuardedClient((proxy) =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        expect(yield* query).toEqual([{ one: 1 }])
        expect(yield* postgresState).toBe("closed")

        // A bug (division by zero, SQLSTATE 22012) proves the database is up: a defect, not counted.
        for (let i = 0; i < 4; i++) yield* Effect.exit(dbCall(sql`SELECT 1/0`))
        expect(yield* postgresState).toBe("closed")

        yield* proxy.cut
        for (let i = 0; i < 3; i++) expect(failureTag(yield* Effect.exit(query))).toBe("DatabaseUnavailable")
        expect(yield* postgresState).toBe("open")

        // Open: no connection is attempted, the query fails at once with the same typed error.
        const started = yield* Clock.currentTimeMillis
        const rejected = yield* Effect.exit(query)
        expect((yield* Clock.currentTimeMillis) - started).toBeLessThan(100)
        expect(failureTag(rejected)).toBe("DatabaseUnavailable")
        // DatabaseUnavailable ← SqlError ← CircuitOpen: the rejection, not a connection attempt, is the cause.
        const error = Exit.isFailure(rejected) ? Cause.failureOption(rejected.cause) : undefined
        expect(error?._tag === "Some" && (error.value as { cause: { cause: unknown } }).cause.cause).toMatchObject({ _tag: "CircuitOpen", breaker: "postgres" })
        expect(failureTag(yield* Effect.exit(dbCall(sql.withTransaction(sql`SELECT 1`))))).toBe("DatabaseUnavailable")

        // Still down past the open second: it does not close on its own (a failed probe reopens it for twice as long).
        yield* Effect.sleep("1500 millis")
        expect(yield* postgresState).toBe("open")

        yield* proxy.restore
        // The probe loop (SELECT 1 on the raw client, every second) half-opens it and closes it after 2 successes.
        yield* postgresState.pipe(Effect.repeat({ schedule: Schedule.spaced("100 millis"), until: (s) => s === "closed" }), Effect.timeout("10 seconds"))
        expect(yield* query).toEqual([{ one: 1 }])
        expect(yield* dbCall(sql.withTransaction(sql<{ readonly two: number }>`SELECT 2 AS two`))).toEqual([{ two: 2 }])
      })), 30_000)
})
