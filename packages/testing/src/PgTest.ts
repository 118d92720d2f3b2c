import { SqlClient } from "@effect/sql"
import { embeddedPgLayer, makePgLayer, migrate } from "@nezuko/db"
import { Effect, Layer, Redacted } from "effect"
import pg from "pg"

/** The real server the integration suites use (STACK.md §8); PG_TEST_URL overrides it. */
export const serverUrl = process.env.PG_TEST_URL ?? "postgres://postgres@127.0.0.1:5432/test"

const withMigrations = <E, R>(layer: Layer.Layer<SqlClient.SqlClient, E, R>) =>
  Layer.effectDiscard(migrate).pipe(Layer.provideMerge(layer))

/** PGlite behind pglite-socket with the migrations applied; about 3 s to start, so share one per file. */
export const PgliteTest = withMigrations(embeddedPgLayer({ dataDir: null }))

const adminQuery = (text: string) =>
  Effect.promise(async () => {
    const client = new pg.Client({ connectionString: serverUrl })
    await client.connect()
    try {
      await client.query(text)
    } finally {
      await client.end()
    }
  })

/** A throwaway database on the real Postgres, migrated, dropped WITH (FORCE) on release. */
export const makeDatabase = Effect.acquireRelease(
  Effect.gen(function* () {
    const name = `nz_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
    yield* adminQuery(`CREATE DATABASE ${name}`)
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    return { name, url: url.toString() }
  }),
  ({ name }) => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
)

export const PgServerTest = Layer.unwrapScoped(
  Effect.map(makeDatabase, ({ url }) => withMigrations(makePgLayer({ url: Redacted.make(url), maxConnections: 4 })))
)
