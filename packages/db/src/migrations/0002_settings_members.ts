import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// DATA-6 to DATA-8: one column per BOT-18 key, each with its range.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE group_settings (
      group_id BIGINT PRIMARY KEY REFERENCES groups (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
      verify_on_join BOOLEAN NOT NULL DEFAULT true,
      enforcement_mode TEXT NOT NULL DEFAULT 'mute' CHECK (enforcement_mode IN ('mute', 'delete_only')),
      delete_unverified_messages BOOLEAN NOT NULL DEFAULT true,
      mute_hours INTEGER NOT NULL DEFAULT 24 CHECK (mute_hours BETWEEN 1 AND 8784),
      timeout_action TEXT NOT NULL DEFAULT 'mute' CHECK (timeout_action IN ('mute', 'kick', 'ban')),
      timeout_minutes INTEGER NOT NULL DEFAULT 10 CHECK (timeout_minutes BETWEEN 1 AND 1440),
      escalate_after INTEGER NOT NULL DEFAULT 3 CHECK (escalate_after BETWEEN 0 AND 10),
      ban_days INTEGER NOT NULL DEFAULT 0 CHECK (ban_days BETWEEN 0 AND 365),
      prompt_ttl_seconds INTEGER NOT NULL DEFAULT 300 CHECK (prompt_ttl_seconds BETWEEN 30 AND 3600),
      admin_reply_ttl_seconds INTEGER NOT NULL DEFAULT 60 CHECK (admin_reply_ttl_seconds BETWEEN 0 AND 3600),
      channel_identity_policy TEXT NOT NULL DEFAULT 'block' CHECK (channel_identity_policy IN ('block', 'allow')),
      ban_channel_identities BOOLEAN NOT NULL DEFAULT false,
      trust_admin_added BOOLEAN NOT NULL DEFAULT true,
      on_leave TEXT NOT NULL DEFAULT 'restrict' CHECK (on_leave IN ('restrict', 'lazy')),
      on_check_error TEXT NOT NULL DEFAULT 'allow' CHECK (on_check_error IN ('allow', 'restrict')),
      join_gate BOOLEAN NOT NULL DEFAULT false,
      join_request_timeout_minutes INTEGER NOT NULL DEFAULT 10 CHECK (join_request_timeout_minutes BETWEEN 1 AND 1440),
      batch_mode TEXT NOT NULL DEFAULT 'warm' CHECK (batch_mode IN ('warm', 'restrict')),
      delete_service_messages BOOLEAN NOT NULL DEFAULT false,
      dry_run BOOLEAN NOT NULL DEFAULT false,
      language TEXT NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}$'),
      prompt_text TEXT CHECK (char_length(prompt_text) <= 1024),
      welcome_text TEXT CHECK (char_length(welcome_text) <= 1024),
      button_text TEXT CHECK (char_length(button_text) <= 32),
      admin_override_hours INTEGER NOT NULL DEFAULT 24 CHECK (admin_override_hours BETWEEN 0 AND 720),
      log_chat_id BIGINT,
      updated_by_tg BIGINT,
      updated_by_admin UUID,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`

  yield* sql`
    CREATE TABLE whitelist (
      id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      group_id BIGINT REFERENCES groups (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
      user_id BIGINT NOT NULL,
      expires_at TIMESTAMPTZ,
      reason TEXT,
      added_by_tg BIGINT,
      added_by_admin UUID,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE UNIQUE INDEX whitelist_scope_user_uq ON whitelist (coalesce(group_id, 0), user_id)`
  yield* sql`CREATE INDEX whitelist_user_idx ON whitelist (user_id)`

  yield* sql`
    CREATE TABLE tg_users (
      user_id BIGINT PRIMARY KEY,
      first_name TEXT NOT NULL,
      last_name TEXT,
      username TEXT,
      is_bot BOOLEAN NOT NULL DEFAULT false,
      language_code TEXT,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX tg_users_lower_username_idx ON tg_users (lower(username))`

  yield* sql`
    CREATE TABLE group_members (
      group_id BIGINT NOT NULL REFERENCES groups (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
      user_id BIGINT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('creator', 'administrator', 'member', 'restricted', 'left', 'kicked')),
      is_admin BOOLEAN NOT NULL DEFAULT false,
      joined_at TIMESTAMPTZ,
      last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (group_id, user_id)
    )`
  yield* sql`CREATE INDEX group_members_recent_idx ON group_members (group_id, last_seen_at DESC)`
  yield* sql`CREATE INDEX group_members_user_idx ON group_members (user_id)`
})
