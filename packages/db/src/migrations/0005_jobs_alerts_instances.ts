import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// DATA-13, DATA-14, DATA-20, DATA-19.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE scheduled_jobs (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      kind TEXT NOT NULL,
      run_at TIMESTAMPTZ NOT NULL,
      payload JSONB NOT NULL DEFAULT '{}',
      dedupe_key TEXT,
      state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead', 'cancelled')),
      attempts INTEGER NOT NULL DEFAULT 0,
      max_attempts INTEGER NOT NULL DEFAULT 5,
      locked_by TEXT,
      locked_until TIMESTAMPTZ,
      last_error TEXT,
      result JSONB,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE UNIQUE INDEX scheduled_jobs_dedupe_uq ON scheduled_jobs (dedupe_key) WHERE state IN ('queued', 'running')`
  yield* sql`CREATE INDEX scheduled_jobs_due_idx ON scheduled_jobs (state, run_at) WHERE state IN ('queued', 'running')`

  yield* sql`
    CREATE TABLE alerts (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      kind TEXT NOT NULL,
      severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
      group_id BIGINT,
      channel_id BIGINT,
      message TEXT NOT NULL,
      details JSONB NOT NULL DEFAULT '{}',
      opened_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      resolved_at TIMESTAMPTZ,
      acknowledged_by UUID,
      acknowledged_at TIMESTAMPTZ,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  yield* sql`
    CREATE UNIQUE INDEX alerts_open_uq ON alerts (kind, coalesce(group_id, 0), coalesce(channel_id, 0))
    WHERE resolved_at IS NULL`

  yield* sql`
    CREATE TABLE bot_instances (
      instance_id TEXT PRIMARY KEY,
      roles TEXT[] NOT NULL,
      mode TEXT NOT NULL,
      version TEXT NOT NULL,
      started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      last_heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      is_leader BOOLEAN NOT NULL DEFAULT false,
      info JSONB NOT NULL DEFAULT '{}',
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`

  yield* sql`
    CREATE TABLE app_settings (
      key TEXT PRIMARY KEY,
      value JSONB NOT NULL,
      updated_by UUID,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
})
