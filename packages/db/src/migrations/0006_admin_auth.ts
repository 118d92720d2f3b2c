import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// DATA-15 to DATA-17. Only a SHA-256 of each refresh token is stored (SEC-4).
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE admin_users (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      email TEXT NOT NULL UNIQUE CHECK (email = lower(email)),
      display_name TEXT,
      password_hash TEXT NOT NULL,
      role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
      is_active BOOLEAN NOT NULL DEFAULT true,
      failed_logins INTEGER NOT NULL DEFAULT 0,
      lock_count INTEGER NOT NULL DEFAULT 0,
      locked_until TIMESTAMPTZ,
      must_change_password BOOLEAN NOT NULL DEFAULT false,
      last_login_at TIMESTAMPTZ,
      password_changed_at TIMESTAMPTZ,
      created_by UUID,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`

  yield* sql`
    CREATE TABLE admin_refresh_tokens (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      family_id UUID NOT NULL,
      user_id UUID NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
      token_hash BYTEA NOT NULL UNIQUE,
      issued_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      expires_at TIMESTAMPTZ NOT NULL,
      family_expires_at TIMESTAMPTZ NOT NULL,
      rotated_at TIMESTAMPTZ,
      replaced_by UUID,
      revoked_at TIMESTAMPTZ,
      revoke_reason TEXT,
      ip INET,
      client_ua TEXT,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX admin_refresh_tokens_user_idx ON admin_refresh_tokens (user_id)`
  yield* sql`CREATE INDEX admin_refresh_tokens_family_idx ON admin_refresh_tokens (family_id)`
  yield* sql`CREATE INDEX admin_refresh_tokens_expires_idx ON admin_refresh_tokens (expires_at)`

  yield* sql`
    CREATE TABLE login_attempts (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at TIMESTAMPTZ NOT NULL DEFAULT now(),
      email TEXT NOT NULL,
      ip INET,
      success BOOLEAN NOT NULL,
      reason TEXT
    )`
  yield* sql`CREATE INDEX login_attempts_email_at_idx ON login_attempts (email, at)`
  yield* sql`CREATE INDEX login_attempts_ip_at_idx ON login_attempts (ip, at)`
})
