import { join } from "node:path"
import { SqlClient, type SqlConnection, SqlError, Statement } from "@effect/sql"
import { embeddedPgLayer, isOutageSqlError, makePgLayer, migrate } from "@nezuko/db"
import { Effect, Layer, Option } from "effect"
import { AppConfig } from "./AppConfig.js"
import { CircuitBreakers, CircuitOpen } from "./CircuitBreakers.js"
import { Health, timedProbe } from "./Health.js"

/** The pooled client: Postgres from DATABASE_URL, or embedded PGlite under DATA_DIR (OPS-13, pool of 1). */
export const SqlLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    Option.match(config.databaseUrl, {
      onSome: (url) => makePgLayer({ url, maxConnections: config.databasePoolSize }),
      onNone: () => embeddedPgLayer({ dataDir: join(config.dataDir, "pgdata") })
    }))
)

/**
 * Runs the migrations before anything uses the database (DATA-1) and registers the critical `database`
 * probe: /readyz is 503 while migrations run and whenever `SELECT 1` fails.
 */
export const MigratedDatabaseLive = Layer.effectDiscard(
  Effect.gen(function* () {
    const health = yield* Health
    const sql = yield* SqlClient.SqlClient
    yield* health.starting("migrations")
    yield* migrate
    yield* health.ready("migrations")
    yield* health.addProbe("database", timedProbe(sql`SELECT 1`), { critical: true })
  })
)

export const DatabaseLive = MigratedDatabaseLive.pipe(Layer.provideMerge(SqlLive))

// What every statement of @effect/sql carries (public fields of its StatementPrimitive, not of the interface):
// enough to build a second client over the same connections, compiler and row transforms.
interface StatementParts {
  readonly acquirer: SqlConnection.Connection.Acquirer
  readonly compiler: Statement.Compiler
  readonly spanAttributes: ReadonlyArray<readonly [string, unknown]>
  readonly transformRows: (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
}

/**
 * `raw` with every query behind the `postgres` breaker (LIM-12): outages (dbCall's test: connection errors,
 * pool-acquire and statement timeouts) count, constraint and syntax errors do not; while the breaker is open a
 * query fails at once with a SqlError whose cause is CircuitOpen, which dbCall turns into DatabaseUnavailable
 * like any outage. The wrapping is per connection (cached), so a query costs one admit and one record, no more.
 * Streams are not guarded (nothing in the bot streams).
 */
export const protectSqlClient = (raw: SqlClient.SqlClient, breakers: CircuitBreakers): SqlClient.SqlClient => {
  const rejected = (e: CircuitOpen) => new SqlError.SqlError({ cause: e, message: e.message })
  const guard = <A>(effect: Effect.Effect<A, SqlError.SqlError>): Effect.Effect<A, SqlError.SqlError> =>
    breakers.protect("postgres", effect, isOutageSqlError).pipe(
      Effect.catchIf((e): e is CircuitOpen => e instanceof CircuitOpen, (e) => Effect.fail(rejected(e)))
    )
  const guarded = new WeakMap<SqlConnection.Connection, SqlConnection.Connection>()
  const guardConnection = (connection: SqlConnection.Connection): SqlConnection.Connection => {
    let wrapped = guarded.get(connection)
    if (wrapped === undefined) {
      wrapped = {
        execute: (sql, params, transformRows) => guard(connection.execute(sql, params, transformRows)),
        executeRaw: (sql, params) => guard(connection.executeRaw(sql, params)),
        executeStream: (sql, params, transformRows) => connection.executeStream(sql, params, transformRows),
        executeValues: (sql, params) => guard(connection.executeValues(sql, params)),
        executeUnprepared: (sql, params, transformRows) => guard(connection.executeUnprepared(sql, params, transformRows))
      }
      guarded.set(connection, wrapped)
    }
    return wrapped
  }
  // Opening a transaction or reserving a connection waits for the pool; while the breaker is open, do not.
  const failIfOpen = Effect.flatMap(breakers.state("postgres"), (s) =>
    s._tag === "open" ? Effect.fail(rejected(new CircuitOpen({ breaker: "postgres" }))) : Effect.void)

  const wrap = (client: SqlClient.SqlClient, withoutTransforms: () => SqlClient.SqlClient): SqlClient.SqlClient => {
    const parts = client`SELECT 1` as unknown as StatementParts
    // parts.acquirer already prefers the transaction's connection; that one is guarded too.
    const statement = Statement.make(Effect.map(parts.acquirer, guardConnection), parts.compiler, parts.spanAttributes, parts.transformRows)
    const wrapped: SqlClient.SqlClient = Object.assign(statement, {
      [SqlClient.TypeId]: SqlClient.TypeId,
      safe: undefined as unknown as SqlClient.SqlClient,
      withTransaction: <R, E, A>(self: Effect.Effect<A, E, R>) => Effect.zipRight(failIfOpen, client.withTransaction(self)),
      reserve: Effect.zipRight(failIfOpen, Effect.map(client.reserve, guardConnection)),
      withoutTransforms,
      reactive: client.reactive,
      reactiveMailbox: client.reactiveMailbox
    }) as SqlClient.SqlClient
    ;(wrapped as { safe: SqlClient.SqlClient }).safe = wrapped
    return wrapped
  }
  let plain: SqlClient.SqlClient | undefined
  const withoutTransforms = () => (plain ??= wrap(raw.withoutTransforms(), () => plain!))
  return wrap(raw, withoutTransforms)
}

/**
 * Replaces the SqlClient with one whose queries feed and obey the `postgres` breaker (LIM-12), and probes the
 * database with `SELECT 1` on the unguarded client whenever the breaker's open time is over. Provide it over
 * SqlLive to everything that should stop while the database is away (the bot process: LIM-13 stops polling and
 * answers webhooks with 503 while this breaker is open); the /readyz probe keeps the raw client.
 */
export const PostgresBreakerLive = Layer.scoped(
  SqlClient.SqlClient,
  Effect.gen(function* () {
    const raw = yield* SqlClient.SqlClient
    const breakers = yield* CircuitBreakers
    yield* Effect.forkScoped(breakers.probeLoop("postgres", raw`SELECT 1`.pipe(Effect.timeout("2 seconds"))))
    return protectSqlClient(raw, breakers)
  })
)
