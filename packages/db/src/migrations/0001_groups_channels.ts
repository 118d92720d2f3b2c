import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// DATA-3 to DATA-5. FKs to groups cascade on update so a supergroup migration can re-key a group (BOT-50).
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql`
    CREATE TABLE groups (
      chat_id BIGINT PRIMARY KEY,
      type TEXT NOT NULL CHECK (type IN ('group', 'supergroup')),
      title TEXT NOT NULL,
      username TEXT,
      linked_chat_id BIGINT,
      enabled BOOLEAN NOT NULL DEFAULT false,
      protected_by BIGINT,
      protected_at TIMESTAMPTZ,
      bot_status TEXT CHECK (bot_status IN ('member', 'administrator', 'left', 'kicked')),
      bot_can_restrict BOOLEAN NOT NULL DEFAULT false,
      bot_can_delete BOOLEAN NOT NULL DEFAULT false,
      bot_can_invite BOOLEAN NOT NULL DEFAULT false,
      health TEXT NOT NULL DEFAULT 'ok' CHECK (health IN ('ok', 'degraded', 'broken', 'removed')),
      health_reason TEXT,
      health_checked_at TIMESTAMPTZ,
      member_count INTEGER,
      migrated_from_chat_id BIGINT UNIQUE,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX groups_enabled_health_idx ON groups (enabled, health)`
  yield* sql`CREATE INDEX groups_created_at_idx ON groups (created_at)`
  yield* sql`CREATE INDEX groups_title_idx ON groups (title)`
  yield* sql`CREATE INDEX groups_lower_title_idx ON groups (lower(title))`

  yield* sql`
    CREATE TABLE channels (
      chat_id BIGINT PRIMARY KEY,
      title TEXT NOT NULL,
      username TEXT,
      invite_link TEXT,
      invite_link_by_bot BOOLEAN NOT NULL DEFAULT false,
      bot_status TEXT CHECK (bot_status IN ('member', 'administrator', 'left', 'kicked')),
      health TEXT NOT NULL DEFAULT 'ok' CHECK (health IN ('ok', 'unverifiable')),
      health_reason TEXT,
      subscriber_count INTEGER,
      last_synced_at TIMESTAMPTZ,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`
  yield* sql`CREATE INDEX channels_lower_username_idx ON channels (lower(username))`

  yield* sql`
    CREATE TABLE group_channels (
      group_id BIGINT NOT NULL REFERENCES groups (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
      channel_id BIGINT NOT NULL REFERENCES channels (chat_id) ON DELETE RESTRICT,
      position SMALLINT NOT NULL DEFAULT 0,
      added_by_tg BIGINT,
      added_by_admin UUID,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (group_id, channel_id)
    )`
  yield* sql`CREATE INDEX group_channels_channel_idx ON group_channels (channel_id)`
  // The service checks the limit first; the trigger makes it hold for every writer (DATA-5).
  yield* sql`
    CREATE FUNCTION group_channels_limit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF (SELECT count(*) FROM group_channels WHERE group_id = NEW.group_id) >= 5 THEN
        RAISE EXCEPTION 'a group links at most 5 channels' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$`
  yield* sql`
    CREATE TRIGGER group_channels_limit BEFORE INSERT ON group_channels
    FOR EACH ROW EXECUTE FUNCTION group_channels_limit()`
})
