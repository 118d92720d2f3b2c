import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// DATA-18. Append-only: the trigger refuses UPDATE and DELETE unless the session runs the retention job,
// which sets nezuko.retention = 'on' for its own transaction only.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE audit_log (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at TIMESTAMPTZ NOT NULL DEFAULT now(),
      actor_type TEXT NOT NULL CHECK (actor_type IN ('admin', 'telegram_user', 'system', 'cli')),
      actor_admin_id UUID REFERENCES admin_users (id) ON DELETE SET NULL,
      actor_tg_id BIGINT,
      action TEXT NOT NULL,
      resource_type TEXT,
      resource_id TEXT,
      outcome TEXT NOT NULL DEFAULT 'success' CHECK (outcome IN ('success', 'denied', 'failed')),
      old_value JSONB,
      new_value JSONB,
      ip INET,
      client_ua TEXT,
      request_id TEXT
    )`
  yield* sql`CREATE INDEX audit_log_at_idx ON audit_log (at DESC)`
  yield* sql`CREATE INDEX audit_log_actor_at_idx ON audit_log (actor_admin_id, at DESC)`
  yield* sql`CREATE INDEX audit_log_resource_at_idx ON audit_log (resource_type, resource_id, at DESC)`
  yield* sql`CREATE INDEX audit_log_action_at_idx ON audit_log (action, at DESC)`
  yield* sql`
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF coalesce(current_setting('nezuko.retention', true), '') = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
    END $$`
  // ON DELETE SET NULL of actor_admin_id is an UPDATE issued by the FK; admins are never hard-deleted (PANEL-11).
  yield* sql`
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`
})
