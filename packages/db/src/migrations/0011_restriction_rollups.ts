import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Issue #9: PANEL-9's funnel and time-to-verify charts over 30 and 90 days read every restriction of the period.
// Two running sums per UTC hour keep them exact at any moment: statement triggers on `restrictions` insert
// deltas (new rows count +1, old rows −1, so inserts, state changes, retention, a group's cascaded delete and a
// supergroup re-key all stay counted; no shared row to wait on) and HourlyRollup folds each hour's deltas into
// one row. AnalyticsRepo reads the whole hours here and the restrictions of the partial hours at both ends.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  // By the UTC hour of created_at: the funnel's stages (PANEL-9 chart 2); `pending` is the current state.
  yield* sql`
    CREATE TABLE restriction_funnel_hourly (
      bucket TIMESTAMPTZ NOT NULL,
      restricted INTEGER NOT NULL,
      verified INTEGER NOT NULL,
      removed INTEGER NOT NULL,
      pending INTEGER NOT NULL
    )`
  yield* sql`CREATE INDEX restriction_funnel_hourly_bucket_idx ON restriction_funnel_hourly (bucket) INCLUDE (restricted, verified, removed, pending)`
  // By the UTC hour of resolved_at, verified restrictions only: chart 3's buckets of resolved_at − created_at.
  yield* sql`
    CREATE TABLE verify_time_hourly (
      bucket TIMESTAMPTZ NOT NULL,
      under1m INTEGER NOT NULL,
      m1to5 INTEGER NOT NULL,
      m5to30 INTEGER NOT NULL,
      m30to24h INTEGER NOT NULL,
      over24h INTEGER NOT NULL
    )`
  yield* sql`CREATE INDEX verify_time_hourly_bucket_idx ON verify_time_hourly (bucket) INCLUDE (under1m, m1to5, m5to30, m30to24h, over24h)`

  // One function per event over its transition tables: the statement's rows as (sign, row), summed per hour;
  // hours whose sums are all zero (an update that touches no counted column) add nothing.
  const rowsOf = (table: string, sign: number) => `SELECT ${sign} AS s, state, created_at, resolved_at, deadline_at FROM ${table}`
  const events = [
    ["inserted", "INSERT", "REFERENCING NEW TABLE AS new_rows", rowsOf("new_rows", 1)],
    ["updated", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", `${rowsOf("new_rows", 1)} UNION ALL ${rowsOf("old_rows", -1)}`],
    ["deleted", "DELETE", "REFERENCING OLD TABLE AS old_rows", rowsOf("old_rows", -1)]
  ] as const
  for (const [name, event, referencing, rows] of events) {
    yield* sql.unsafe(`
      CREATE FUNCTION restriction_rollups_${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO restriction_funnel_hourly (bucket, restricted, verified, removed, pending)
        SELECT b, r, v, k, p FROM (
          SELECT date_trunc('hour', created_at, 'UTC') AS b, sum(s)::int AS r,
                 coalesce(sum(s) FILTER (WHERE state = 'verified' AND (deadline_at IS NULL OR resolved_at <= deadline_at)), 0)::int AS v,
                 coalesce(sum(s) FILTER (WHERE state IN ('kicked', 'banned')), 0)::int AS k,
                 coalesce(sum(s) FILTER (WHERE state = 'pending'), 0)::int AS p
          FROM (${rows}) x GROUP BY 1
        ) t WHERE r <> 0 OR v <> 0 OR k <> 0 OR p <> 0;
        INSERT INTO verify_time_hourly (bucket, under1m, m1to5, m5to30, m30to24h, over24h)
        SELECT b, u, a, c, d, e FROM (
          SELECT date_trunc('hour', resolved_at, 'UTC') AS b,
                 coalesce(sum(s) FILTER (WHERE resolved_at - created_at < interval '1 minute'), 0)::int AS u,
                 coalesce(sum(s) FILTER (WHERE resolved_at - created_at >= interval '1 minute' AND resolved_at - created_at < interval '5 minutes'), 0)::int AS a,
                 coalesce(sum(s) FILTER (WHERE resolved_at - created_at >= interval '5 minutes' AND resolved_at - created_at < interval '30 minutes'), 0)::int AS c,
                 coalesce(sum(s) FILTER (WHERE resolved_at - created_at >= interval '30 minutes' AND resolved_at - created_at < interval '24 hours'), 0)::int AS d,
                 coalesce(sum(s) FILTER (WHERE resolved_at - created_at >= interval '24 hours'), 0)::int AS e
          FROM (${rows}) x WHERE state = 'verified' AND resolved_at IS NOT NULL GROUP BY 1
        ) t WHERE u <> 0 OR a <> 0 OR c <> 0 OR d <> 0 OR e <> 0;
        RETURN NULL;
      END $$`)
    yield* sql.unsafe(`CREATE TRIGGER restrictions_rollups_${name} AFTER ${event} ON restrictions ${referencing} FOR EACH STATEMENT EXECUTE FUNCTION restriction_rollups_${name}()`)
  }
  yield* sql`
    CREATE FUNCTION restriction_rollups_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM restriction_funnel_hourly;
      DELETE FROM verify_time_hourly;
      RETURN NULL;
    END $$`
  yield* sql`CREATE TRIGGER restrictions_rollups_truncated AFTER TRUNCATE ON restrictions FOR EACH STATEMENT EXECUTE FUNCTION restriction_rollups_truncated()`

  // The existing restrictions, after the triggers: CREATE TRIGGER's lock has waited for every writer, and holds
  // the next ones until this migration commits.
  yield* sql.unsafe(`INSERT INTO restriction_funnel_hourly (bucket, restricted, verified, removed, pending)
    SELECT date_trunc('hour', created_at, 'UTC'), count(*),
           count(*) FILTER (WHERE state = 'verified' AND (deadline_at IS NULL OR resolved_at <= deadline_at)),
           count(*) FILTER (WHERE state IN ('kicked', 'banned')), count(*) FILTER (WHERE state = 'pending')
    FROM restrictions GROUP BY 1`)
  yield* sql.unsafe(`INSERT INTO verify_time_hourly (bucket, under1m, m1to5, m5to30, m30to24h, over24h)
    SELECT date_trunc('hour', resolved_at, 'UTC'),
           count(*) FILTER (WHERE resolved_at - created_at < interval '1 minute'),
           count(*) FILTER (WHERE resolved_at - created_at >= interval '1 minute' AND resolved_at - created_at < interval '5 minutes'),
           count(*) FILTER (WHERE resolved_at - created_at >= interval '5 minutes' AND resolved_at - created_at < interval '30 minutes'),
           count(*) FILTER (WHERE resolved_at - created_at >= interval '30 minutes' AND resolved_at - created_at < interval '24 hours'),
           count(*) FILTER (WHERE resolved_at - created_at >= interval '24 hours')
    FROM restrictions WHERE state = 'verified' AND resolved_at IS NOT NULL GROUP BY 1`)

  // BatchScan.latest: the last batch_scan job of a group (payload @> {"group_id": …}, newest id first). The
  // containment test needs GIN; only batch_scan jobs are indexed, and a group has few, so sorting them is cheap.
  yield* sql`CREATE INDEX scheduled_jobs_batch_scan_group_idx ON scheduled_jobs USING gin (payload jsonb_path_ops) WHERE kind = 'batch_scan'`
})
