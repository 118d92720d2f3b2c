import { Migrator, SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import groupsChannels from "./migrations/0001_groups_channels.js"
import settingsMembers from "./migrations/0002_settings_members.js"
import restrictionsJoinRequests from "./migrations/0003_restrictions_join_requests.js"
import verificationLog from "./migrations/0004_verification_log.js"
import jobsAlertsInstances from "./migrations/0005_jobs_alerts_instances.js"
import adminAuth from "./migrations/0006_admin_auth.js"
import auditLog from "./migrations/0007_audit_log.js"
import panelIndexes from "./migrations/0008_panel_indexes.js"
import hourlyChecked from "./migrations/0009_hourly_checked.js"
import panelRollups from "./migrations/0010_panel_rollups.js"
import restrictionRollups from "./migrations/0011_restriction_rollups.js"
import joinRequestLookup from "./migrations/0012_join_request_lookup.js"

// fromRecord, not fromFileSystem: the panel's Vite bundle cannot import migration files dynamically.
export const migrations = {
  "0001_groups_channels": groupsChannels,
  "0002_settings_members": settingsMembers,
  "0003_restrictions_join_requests": restrictionsJoinRequests,
  "0004_verification_log": verificationLog,
  "0005_jobs_alerts_instances": jobsAlertsInstances,
  "0006_admin_auth": adminAuth,
  "0007_audit_log": auditLog,
  "0008_panel_indexes": panelIndexes,
  "0009_hourly_checked": hourlyChecked,
  "0010_panel_rollups": panelRollups,
  "0011_restriction_rollups": restrictionRollups,
  "0012_join_request_lookup": joinRequestLookup
}

export const migrationsTable = "nezuko_migrations"
const lockKey = 0x6e657a6b // "nezk": the advisory lock every migrating process takes (DATA-1)

// The Migrator creates its table outside its transaction (a `regclass` probe, then CREATE TABLE), so two
// processes starting together can both try to create it. Creating it first under a transaction-scoped
// advisory lock serializes that step; the Migrator's own LOCK TABLE then serializes the migrations, and the
// loser finds nothing left to run.
const ensureMigrationsTable = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.withTransaction(
    Effect.zipRight(
      sql`SELECT pg_advisory_xact_lock(${lockKey})`,
      sql`CREATE TABLE IF NOT EXISTS ${sql(migrationsTable)} (
        migration_id integer primary key,
        created_at timestamp with time zone not null default now(),
        name text not null
      )`
    )
  )
})

/** Applies every pending migration; safe when several processes start at once. Returns what it ran. */
export const migrate = Effect.gen(function* () {
  yield* ensureMigrationsTable
  const ran = yield* Migrator.make({})({ loader: Migrator.fromRecord(migrations), table: migrationsTable })
  if (ran.length > 0) yield* Effect.logInfo("migrations applied").pipe(Effect.annotateLogs("migrations", ran.map(([id, name]) => `${id}_${name}`).join(",")))
  return ran
}).pipe(Effect.withSpan("Migrations.migrate"))

export interface MigrationStatus {
  readonly id: number
  readonly name: string
  readonly appliedAt: Date | null
}

/** Every known migration with the time it was applied, or null while pending (`nezuko migrate --status`). */
export const migrationStatus = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const exists = yield* sql<{ readonly exists: boolean }>`SELECT to_regclass(${migrationsTable}) IS NOT NULL AS exists`
  const applied = exists[0]?.exists
    ? yield* sql<{ readonly migrationId: number; readonly createdAt: Date }>`SELECT migration_id, created_at FROM ${sql(migrationsTable)}`
    : []
  const byId = new Map(applied.map((row) => [row.migrationId, row.createdAt]))
  return Object.keys(migrations).map((key): MigrationStatus => {
    const id = Number(key.slice(0, 4))
    return { id, name: key.slice(5), appliedAt: byId.get(id) ?? null }
  })
})

/** Runs the migrations while the layer is built: both runtimes start with an up-to-date schema. */
export const MigrationsLive = Layer.effectDiscard(migrate)
