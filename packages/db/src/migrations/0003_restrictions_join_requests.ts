import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// DATA-9, DATA-10. The partial unique indexes are what make a second pending record impossible (BOT-3, BOT-27).
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE restrictions (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      group_id BIGINT NOT NULL REFERENCES groups (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
      user_id BIGINT NOT NULL,
      trigger TEXT NOT NULL CHECK (trigger IN ('message', 'join', 'join_request', 'button', 'leave', 'rejoin', 'batch', 'timeout', 'manual')),
      state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'verified', 'released', 'overridden', 'superseded', 'kicked', 'banned', 'left_group', 'abandoned', 'expired')),
      owner TEXT NOT NULL DEFAULT 'bot' CHECK (owner IN ('bot', 'external')),
      missing_channel_ids BIGINT[] NOT NULL DEFAULT '{}',
      prior_member JSONB,
      restricted_until TIMESTAMPTZ,
      deadline_at TIMESTAMPTZ,
      prompt_message_id BIGINT,
      resolved_at TIMESTAMPTZ,
      resolved_by TEXT,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE UNIQUE INDEX restrictions_one_pending_uq ON restrictions (group_id, user_id) WHERE state = 'pending'`
  yield* sql`CREATE INDEX restrictions_state_deadline_idx ON restrictions (state, deadline_at)`
  yield* sql`CREATE INDEX restrictions_group_created_idx ON restrictions (group_id, created_at DESC)`

  yield* sql`
    CREATE TABLE join_requests (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      group_id BIGINT NOT NULL REFERENCES groups (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
      user_id BIGINT NOT NULL,
      user_chat_id BIGINT NOT NULL,
      state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'declined', 'expired', 'abandoned')),
      dm_message_id BIGINT,
      requested_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      decided_at TIMESTAMPTZ,
      decided_by TEXT,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE UNIQUE INDEX join_requests_one_pending_uq ON join_requests (group_id, user_id) WHERE state = 'pending'`
})
