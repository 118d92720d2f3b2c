import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

// Issue #9: the panel's loaders within 50 ms at 100 000 groups and 1 000 000 decisions.
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  // Substring search on title and username (PANEL-5 `q`). pg_trgm is a trusted extension, but a role without
  // CREATE on the database, or PGlite without the contrib bundle, cannot add it: then search stays a scan.
  yield* sql`
    DO $$
    BEGIN
      BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
      EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm unavailable: %', SQLERRM;
      END;
      IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        EXECUTE 'CREATE INDEX groups_lower_title_trgm_idx ON groups USING gin (lower(title) gin_trgm_ops)';
        EXECUTE 'CREATE INDEX groups_lower_username_trgm_idx ON groups USING gin (lower(username) gin_trgm_ops)';
      END IF;
    END $$`

  // Each group's checks over a 168-hour window ending a minute before HourlyRollup's last run (which rebuilds
  // it); GroupListRepo adds the log's few rows at both ends. The FK follows a supergroup migration.
  yield* sql`
    CREATE TABLE group_check_counts (
      group_id BIGINT PRIMARY KEY REFERENCES groups (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
      checks INTEGER NOT NULL
    )`
  yield* sql`CREATE INDEX group_check_counts_checks_idx ON group_check_counts (checks, group_id)`

  // Each group's restrictions over the analytics periods (24 h, 7 d, 30 d, 90 d) ending a minute before
  // HourlyRollup's last run, for the top-10 chart; AnalyticsRepo adds the rows at both ends.
  yield* sql`
    CREATE TABLE group_restriction_counts (
      window_hours INTEGER NOT NULL,
      group_id BIGINT NOT NULL REFERENCES groups (chat_id) ON DELETE CASCADE ON UPDATE CASCADE,
      restrictions INTEGER NOT NULL,
      PRIMARY KEY (window_hours, group_id)
    )`
  yield* sql`CREATE INDEX group_restriction_counts_top_idx ON group_restriction_counts (window_hours, restrictions, group_id)`

  // All-groups totals are read for every chart and card: group 0 per trigger and decision (as before), and now
  // group 1 per decision alone (trigger '*'), a third of the rows for the charts that ignore the trigger.
  // Telegram group ids are negative, so neither collides. Covering them keeps those reads off the heap, where
  // they are interleaved with a million per-group rows.
  yield* sql`
    INSERT INTO verification_hourly (bucket, group_id, trigger, decision, count, cached_count, checked_count, latency_sum_ms)
    SELECT bucket, 1, '*', decision, sum(count), sum(cached_count), sum(checked_count), sum(latency_sum_ms)
    FROM verification_hourly WHERE group_id = 0 GROUP BY bucket, decision`
  yield* sql`
    CREATE INDEX verification_hourly_totals_idx ON verification_hourly (group_id, bucket)
    INCLUDE (trigger, decision, count, cached_count, checked_count, latency_p50_ms, latency_p95_ms) WHERE group_id IN (0, 1)`

  // PANEL-4's group cards as running sums. Writers only ever insert deltas (no hot row to wait on);
  // HourlyRollup folds them. Statement triggers keep bulk inserts to one delta; a group's delete is counted
  // BEFORE it, while its links still exist (the cascade then finds no group and adds nothing); link writes
  // lock their groups FOR SHARE, so a concurrent enable/disable sees the link or the link sees the new state.
  yield* sql`CREATE TABLE group_count_deltas (protected INTEGER NOT NULL, attention INTEGER NOT NULL)`
  yield* sql`CREATE TABLE channel_link_deltas (channel_id BIGINT NOT NULL, d INTEGER NOT NULL)`
  yield* sql`CREATE INDEX channel_link_deltas_channel_idx ON channel_link_deltas (channel_id) INCLUDE (d)`
  yield* sql`
    CREATE FUNCTION panel_group_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO group_count_deltas (protected, attention)
      SELECT count(*) FILTER (WHERE enabled AND health <> 'removed'), count(*) FILTER (WHERE health IN ('degraded', 'broken'))
      FROM new_groups HAVING count(*) FILTER (WHERE enabled AND health <> 'removed') > 0 OR count(*) FILTER (WHERE health IN ('degraded', 'broken')) > 0;
      RETURN NULL;
    END $$`
  yield* sql`
    CREATE FUNCTION panel_group_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      dp INTEGER := 0;
      da INTEGER := 0;
      dl INTEGER := 0;
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        dp := dp - (OLD.enabled AND OLD.health <> 'removed')::int;
        da := da - (OLD.health IN ('degraded', 'broken'))::int;
        dl := dl - OLD.enabled::int;
      END IF;
      IF TG_OP = 'UPDATE' THEN
        dp := dp + (NEW.enabled AND NEW.health <> 'removed')::int;
        da := da + (NEW.health IN ('degraded', 'broken'))::int;
        dl := dl + NEW.enabled::int;
      END IF;
      IF dp <> 0 OR da <> 0 THEN
        INSERT INTO group_count_deltas (protected, attention) VALUES (dp, da);
      END IF;
      IF dl <> 0 THEN
        INSERT INTO channel_link_deltas (channel_id, d)
        SELECT channel_id, dl FROM group_channels WHERE group_id IN (OLD.chat_id, CASE WHEN TG_OP = 'UPDATE' THEN NEW.chat_id END);
      END IF;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$`
  yield* sql`
    CREATE FUNCTION panel_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO channel_link_deltas (channel_id, d)
        SELECT l.channel_id, count(*) FROM new_links l JOIN (SELECT chat_id FROM groups WHERE chat_id IN (SELECT group_id FROM new_links) AND enabled FOR SHARE) g
          ON g.chat_id = l.group_id GROUP BY l.channel_id;
      ELSE
        INSERT INTO channel_link_deltas (channel_id, d)
        SELECT l.channel_id, -count(*) FROM old_links l JOIN (SELECT chat_id FROM groups WHERE chat_id IN (SELECT group_id FROM old_links) AND enabled FOR SHARE) g
          ON g.chat_id = l.group_id GROUP BY l.channel_id;
      END IF;
      RETURN NULL;
    END $$`
  yield* sql`
    CREATE FUNCTION panel_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_TABLE_NAME = 'groups' THEN
        DELETE FROM group_count_deltas;
      END IF;
      DELETE FROM channel_link_deltas;
      RETURN NULL;
    END $$`
  yield* sql`CREATE TRIGGER groups_counts_inserted AFTER INSERT ON groups REFERENCING NEW TABLE AS new_groups FOR EACH STATEMENT EXECUTE FUNCTION panel_group_inserted()`
  yield* sql`
    CREATE TRIGGER groups_counts_updated AFTER UPDATE OF enabled, health ON groups FOR EACH ROW
    WHEN (OLD.enabled IS DISTINCT FROM NEW.enabled OR OLD.health IS DISTINCT FROM NEW.health) EXECUTE FUNCTION panel_group_changed()`
  yield* sql`CREATE TRIGGER groups_counts_deleted BEFORE DELETE ON groups FOR EACH ROW EXECUTE FUNCTION panel_group_changed()`
  yield* sql`CREATE TRIGGER groups_counts_truncated AFTER TRUNCATE ON groups FOR EACH STATEMENT EXECUTE FUNCTION panel_counts_truncated()`
  yield* sql`CREATE TRIGGER group_channels_counts_inserted AFTER INSERT ON group_channels REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION panel_links_changed()`
  yield* sql`CREATE TRIGGER group_channels_counts_deleted AFTER DELETE ON group_channels REFERENCING OLD TABLE AS old_links FOR EACH STATEMENT EXECUTE FUNCTION panel_links_changed()`
  yield* sql`CREATE TRIGGER group_channels_counts_truncated AFTER TRUNCATE ON group_channels FOR EACH STATEMENT EXECUTE FUNCTION panel_counts_truncated()`
  yield* sql`
    INSERT INTO group_count_deltas (protected, attention)
    SELECT count(*) FILTER (WHERE enabled AND health <> 'removed'), count(*) FILTER (WHERE health IN ('degraded', 'broken')) FROM groups`
  yield* sql`
    INSERT INTO channel_link_deltas (channel_id, d)
    SELECT gc.channel_id, count(*) FROM group_channels gc JOIN groups g ON g.chat_id = gc.group_id WHERE g.enabled GROUP BY gc.channel_id`

  // Dashboard cards and restriction charts as index-only scans.
  yield* sql`CREATE INDEX restrictions_created_cover_idx ON restrictions (created_at) INCLUDE (state, resolved_at, deadline_at, group_id)`
  yield* sql`CREATE INDEX restrictions_verified_cover_idx ON restrictions (resolved_at) INCLUDE (created_at) WHERE state = 'verified'`
})
