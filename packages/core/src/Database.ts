import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { embeddedPgLayer, makePgLayer, migrate } from "@nezuko/db"
import { Effect, Layer, Option } from "effect"
import { AppConfig } from "./AppConfig.js"
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
