import { it } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { makeDatabase } from "@nezuko/testing"
import { Effect, Layer, Redacted } from "effect"
import { expect } from "vitest"
import { makePgLayer, migrate, migrations, migrationStatus } from "../src/index.js"

it.scoped("two processes migrating the same empty database at once both succeed, and it runs once", () =>
  Effect.gen(function* () {
    const { url } = yield* makeDatabase
    // Two separate pools stand for two processes starting together.
    const pool = () => makePgLayer({ url: Redacted.make(url), maxConnections: 2 })
    const [a, b] = yield* Effect.all([Effect.provide(migrate, pool()), Effect.provide(migrate, pool())], { concurrency: 2 })
    expect(a.length + b.length).toBe(Object.keys(migrations).length)
    expect(Math.min(a.length, b.length)).toBe(0)
    const status = yield* Effect.provide(migrationStatus, pool())
    expect(status.every((m) => m.appliedAt !== null)).toBe(true)
    const tables = yield* Effect.provide(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ readonly n: number }>`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'`),
      pool()
    )
    expect(tables[0]?.n).toBeGreaterThanOrEqual(18)
  }), 60_000)

it.scoped("migrations are forward-only: applying on an up-to-date database changes nothing", () =>
  Effect.gen(function* () {
    const { url } = yield* makeDatabase
    const layer = makePgLayer({ url: Redacted.make(url), maxConnections: 2 })
    yield* Effect.provide(migrate, layer)
    expect(yield* Effect.provide(migrate, layer)).toEqual([])
  }).pipe(Effect.provide(Layer.empty)), 60_000)
