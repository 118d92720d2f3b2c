import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

export interface InstanceRow {
  readonly instanceId: string
  readonly roles: ReadonlyArray<string>
  readonly mode: string
  readonly version: string
  readonly startedAt: Date
  readonly lastHeartbeatAt: Date
  readonly isLeader: boolean
  readonly info: unknown
}

export interface DeadJobRow {
  readonly id: number
  readonly kind: string
  readonly attempts: number
  readonly lastError: string | null
  readonly updatedAt: Date
}

export interface AlertRow {
  readonly id: number
  readonly kind: string
  readonly severity: string
  readonly groupId: number | null
  readonly channelId: number | null
  readonly message: string
  readonly openedAt: Date
  readonly acknowledgedAt: Date | null
  readonly acknowledgedBy: string | null
}

/** The Status page's reads and its two writes: retry a dead job, acknowledge an alert (PANEL-13). */
export class OperationsRepo extends Effect.Service<OperationsRepo>()("@nezuko/db/OperationsRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const instances = dbCall(sql<InstanceRow>`
      SELECT instance_id, roles, mode, version, started_at, last_heartbeat_at, is_leader, info FROM bot_instances ORDER BY started_at`)

    const jobCounts = dbCall(Effect.map(sql<{ readonly due: number; readonly running: number; readonly dead: number }>`
      SELECT count(*) FILTER (WHERE state = 'queued' AND run_at <= now())::int AS due,
             count(*) FILTER (WHERE state = 'running')::int AS running,
             (SELECT count(*)::int FROM scheduled_jobs WHERE state = 'dead') AS dead
      FROM scheduled_jobs WHERE state IN ('queued', 'running')`, (rows) => rows[0] ?? { due: 0, running: 0, dead: 0 }))

    const deadJobs = (limit: number) =>
      dbCall(sql<DeadJobRow>`SELECT id, kind, attempts, last_error, updated_at FROM scheduled_jobs WHERE state = 'dead' ORDER BY updated_at DESC LIMIT ${limit}`)

    /** A dead job runs again now with a fresh attempt budget; false when it was not dead. */
    const retryDead = (id: number) =>
      dbCall(Effect.map(sql`
        UPDATE scheduled_jobs SET state = 'queued', attempts = 0, run_at = now(), locked_by = NULL, locked_until = NULL, updated_at = now()
        WHERE id = ${id} AND state = 'dead' RETURNING id`, (rows) => rows.length > 0))

    const openAlerts = dbCall(sql<AlertRow>`
      SELECT id, kind, severity, group_id, channel_id, message, opened_at, acknowledged_at, acknowledged_by FROM alerts
      WHERE resolved_at IS NULL ORDER BY opened_at DESC LIMIT 200`)

    /** False when the alert is unknown, resolved or already acknowledged. */
    const acknowledge = (id: number, adminId: string) =>
      dbCall(Effect.map(sql`
        UPDATE alerts SET acknowledged_by = ${adminId}, acknowledged_at = now()
        WHERE id = ${id} AND resolved_at IS NULL AND acknowledged_at IS NULL RETURNING id`, (rows) => rows.length > 0))

    return { instances, jobCounts, deadJobs, retryDead, openAlerts, acknowledge } as const
  })
}) {}
