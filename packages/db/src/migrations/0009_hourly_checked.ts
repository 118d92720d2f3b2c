import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// The hourly rollup also counts rows that had a membership check (cached not null), so the cache hit rate
// (PANEL-4, PANEL-9) can be read from verification_hourly; and a (group_id, bucket) index for per-group charts.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`ALTER TABLE verification_hourly ADD COLUMN checked_count INTEGER NOT NULL DEFAULT 0`
  yield* sql`CREATE INDEX verification_hourly_group_bucket_idx ON verification_hourly (group_id, bucket)`
})
