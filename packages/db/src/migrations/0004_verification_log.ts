import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// DATA-11, DATA-12. Range-partitioned by month on `at` so retention drops whole partitions (DATA-21).
// Monthly partitions are created ahead by the retention job; the default partition catches anything else,
// so an insert never fails for want of a partition.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE verification_log (
      id BIGINT GENERATED ALWAYS AS IDENTITY,
      at TIMESTAMPTZ NOT NULL DEFAULT now(),
      group_id BIGINT NOT NULL,
      user_id BIGINT,
      sender_chat_id BIGINT,
      trigger TEXT NOT NULL CHECK (trigger IN ('message', 'join', 'join_request', 'button', 'leave', 'rejoin', 'batch', 'timeout', 'manual')),
      decision TEXT NOT NULL CHECK (decision IN ('pass', 'exempt', 'restrict', 'still_missing', 'verify', 'release', 'kick', 'ban', 'approve', 'decline', 'deferred', 'dry_run')),
      reason TEXT,
      channel_ids BIGINT[] NOT NULL DEFAULT '{}',
      missing_channel_ids BIGINT[] NOT NULL DEFAULT '{}',
      cached BOOLEAN,
      latency_ms INTEGER,
      error_code TEXT,
      correlation_id TEXT,
      instance_id TEXT,
      PRIMARY KEY (id, at)
    ) PARTITION BY RANGE (at)`
  yield* sql`CREATE TABLE verification_log_default PARTITION OF verification_log DEFAULT`
  yield* sql`CREATE INDEX verification_log_group_at_idx ON verification_log (group_id, at DESC)`
  yield* sql`CREATE INDEX verification_log_user_at_idx ON verification_log (user_id, at DESC)`
  yield* sql`CREATE INDEX verification_log_decision_at_idx ON verification_log (decision, at)`
  yield* sql`CREATE INDEX verification_log_at_idx ON verification_log (at)`

  yield* sql`
    CREATE TABLE verification_hourly (
      bucket TIMESTAMPTZ NOT NULL,
      group_id BIGINT NOT NULL,
      trigger TEXT NOT NULL,
      decision TEXT NOT NULL,
      count INTEGER NOT NULL DEFAULT 0,
      cached_count INTEGER NOT NULL DEFAULT 0,
      latency_sum_ms BIGINT NOT NULL DEFAULT 0,
      latency_p50_ms INTEGER,
      latency_p95_ms INTEGER,
      PRIMARY KEY (bucket, group_id, trigger, decision)
    )`
})
