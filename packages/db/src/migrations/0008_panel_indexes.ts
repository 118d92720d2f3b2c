import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Indexes for the panel's queries at 100 000 groups and 1 000 000 decisions (PANEL-4, PANEL-5, PANEL-9):
// the median time to verify and the conversion read restrictions by resolution and creation time, the
// groups table sorts by lower(title), health and member count, the activity feed reads the newest alerts.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE INDEX restrictions_state_resolved_idx ON restrictions (state, resolved_at)`
  yield* sql`CREATE INDEX restrictions_created_idx ON restrictions (created_at)`
  yield* sql`CREATE INDEX groups_lower_title_id_idx ON groups (lower(title), chat_id)`
  yield* sql`CREATE INDEX groups_created_id_idx ON groups (created_at, chat_id)`
  yield* sql`CREATE INDEX groups_health_id_idx ON groups (health, chat_id)`
  yield* sql`CREATE INDEX groups_member_count_idx ON groups (member_count, chat_id)`
  yield* sql`CREATE INDEX alerts_opened_idx ON alerts (opened_at DESC)`
  yield* sql`CREATE INDEX verification_log_group_decision_at_idx ON verification_log (group_id, decision, at)`
})
