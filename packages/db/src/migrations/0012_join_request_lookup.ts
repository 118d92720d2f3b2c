import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// BOT-31: a join through a request the bot approved minutes ago is not checked again. The join path looks the
// approval up by (group, user); decided records are kept, so without this index that look-up scans them all.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE INDEX join_requests_group_user_idx ON join_requests (group_id, user_id, decided_at DESC)`
})
