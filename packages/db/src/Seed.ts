import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"
import { groupChecksWindowKey, groupRestrictionsWindowKey, rollupWatermarkKey } from "./HourlyRollup.js"

/** Seeded chats live in their own id range, so a re-seed replaces exactly what an earlier one wrote. */
export const seedGroupBase = -1_009_000_000_000_000
export const seedChannelBase = -1_008_000_000_000_000

export interface SeedOptions {
  readonly groups: number
  readonly decisions: number
  /** Decisions and restrictions are spread over this many days up to now. */
  readonly days: number
}

/**
 * A realistic dataset for the panel's benchmark (`nezuko seed`): groups with channels, settings and health,
 * restrictions in every state, and `decisions` verification-log rows, all written with generate_series in a
 * few statements. Idempotent over the seeded id range.
 */
export const seedDataset = (options: SeedOptions) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const channels = Math.max(1, Math.ceil(options.groups / 20))
    const restrictions = Math.max(1, Math.floor(options.decisions / 20))
    const days = options.days
    const groupIds = sql`chat_id <= ${seedGroupBase}::bigint AND chat_id > ${seedGroupBase - 10_000_000}::bigint`
    yield* sql`DELETE FROM verification_log WHERE group_id <= ${seedGroupBase}::bigint AND group_id > ${seedGroupBase - 10_000_000}::bigint`
    yield* sql`DELETE FROM groups WHERE ${groupIds}`
    yield* sql`DELETE FROM channels WHERE chat_id <= ${seedChannelBase}::bigint AND chat_id > ${seedChannelBase - 10_000_000}::bigint`
    yield* sql`
      INSERT INTO channels (chat_id, title, username, health, subscriber_count, bot_status, created_at)
      SELECT ${seedChannelBase}::bigint - i, 'Seed channel ' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'seed_channel_' || i END,
             CASE WHEN i % 50 = 0 THEN 'unverifiable' ELSE 'ok' END, (i::bigint * 7919) % 500000, 'administrator',
             now() - ((i % ${days * 6}) || ' days')::interval
      FROM generate_series(1, ${channels}) i`
    yield* sql`
      INSERT INTO groups (chat_id, type, title, username, enabled, protected_at, bot_status, bot_can_restrict, bot_can_delete, bot_can_invite,
                          health, health_reason, member_count, created_at)
      SELECT ${seedGroupBase}::bigint - i, 'supergroup', 'Seed group ' || i, CASE WHEN i % 4 = 0 THEN 'seed_group_' || i END,
             i % 10 < 7, CASE WHEN i % 10 < 7 THEN now() - ((i % ${days * 3}) || ' days')::interval END, 'administrator',
             i % 97 <> 0, true, i % 5 <> 0,
             CASE WHEN i % 97 = 0 THEN 'degraded' WHEN i % 211 = 0 THEN 'broken' WHEN i % 389 = 0 THEN 'removed' ELSE 'ok' END,
             CASE WHEN i % 97 = 0 THEN 'missing Ban users' END, (i::bigint * 104729) % 20000, now() - ((i % ${days * 6}) || ' days')::interval
      FROM generate_series(1, ${options.groups}) i`
    yield* sql`
      INSERT INTO group_channels (group_id, channel_id, position)
      SELECT ${seedGroupBase}::bigint - i, ${seedChannelBase}::bigint - (1 + i % ${channels}), 0 FROM generate_series(1, ${options.groups}) i
      UNION ALL
      SELECT ${seedGroupBase}::bigint - i, ${seedChannelBase}::bigint - (1 + (i + 7) % ${channels}), 1 FROM generate_series(1, ${options.groups}) i
      WHERE i % 3 = 0 AND ${channels} > 1`
    yield* sql`INSERT INTO group_settings (group_id) SELECT ${seedGroupBase}::bigint - i FROM generate_series(1, ${options.groups}) i WHERE i % 10 < 7`
    // Pending ones stay at most one per (group, user): their user ids are unique.
    yield* sql`
      INSERT INTO restrictions (group_id, user_id, trigger, state, missing_channel_ids, created_at, resolved_at, deadline_at)
      SELECT ${seedGroupBase}::bigint - (1 + (i * 7) % ${options.groups}), 1000000 + i, CASE WHEN i % 3 = 0 THEN 'join' ELSE 'message' END,
             s.state, ARRAY[${seedChannelBase}::bigint - (1 + i % ${channels})]::bigint[], c.created,
             CASE WHEN s.state = 'pending' THEN NULL ELSE c.created + ((i % 3600) || ' seconds')::interval END,
             c.created + interval '10 minutes'
      FROM generate_series(1, ${restrictions}) i,
           LATERAL (SELECT now() - ((i::float8 / ${restrictions}) * ${days}) * interval '1 day' AS created) c,
           LATERAL (SELECT CASE WHEN i % 20 = 0 THEN 'pending' WHEN i % 10 = 1 THEN 'kicked' WHEN i % 25 = 2 THEN 'banned'
                                WHEN i % 10 = 3 THEN 'released' ELSE 'verified' END AS state) s`
    yield* sql`
      INSERT INTO verification_log (at, group_id, user_id, trigger, decision, reason, channel_ids, missing_channel_ids, cached, latency_ms)
      SELECT now() - ((i::float8 / ${options.decisions}) * ${days}) * interval '1 day', ${seedGroupBase}::bigint - (1 + (i::bigint * 31) % ${options.groups}),
             2000000 + i % 500000,
             (ARRAY['message','message','message','join','button','leave','rejoin','timeout'])[1 + i % 8],
             d.decision, CASE WHEN d.decision = 'restrict' THEN 'not_subscribed' WHEN d.decision = 'exempt' THEN 'admin' END,
             ARRAY[${seedChannelBase}::bigint - (1 + i % ${channels})]::bigint[],
             CASE WHEN d.decision = 'restrict' THEN ARRAY[${seedChannelBase}::bigint - (1 + i % ${channels})]::bigint[] ELSE '{}'::bigint[] END,
             CASE WHEN d.decision IN ('pass', 'restrict', 'still_missing', 'verify') THEN i % 10 < 7 END,
             CASE WHEN d.decision IN ('pass', 'restrict', 'still_missing', 'verify') THEN 2 + (i * 13) % 180 END
      FROM generate_series(1, ${options.decisions}) i,
           LATERAL (SELECT (ARRAY['pass','pass','pass','pass','pass','pass','pass','pass','pass','pass','pass','pass',
                                  'restrict','restrict','verify','exempt','exempt','exempt','still_missing','kick'])[1 + i % 20] AS decision) d`
    // The rollups start over, so HourlyRollup.run aggregates the seeded history in one pass and rebuilds the
    // per-group check counts from it.
    yield* sql`DELETE FROM app_settings WHERE key IN (${rollupWatermarkKey}, ${groupChecksWindowKey}, ${groupRestrictionsWindowKey})`
    yield* sql`DELETE FROM verification_hourly`
    yield* sql`DELETE FROM group_check_counts`
    yield* sql`DELETE FROM group_restriction_counts`
    // VACUUM as autovacuum would after such inserts: the panel's counts are index-only scans, which need the
    // visibility map (not inside a transaction, so the seed is not one).
    for (const table of ["groups", "channels", "group_channels", "restrictions", "verification_log"]) yield* sql`VACUUM (ANALYZE) ${sql(table)}`
    return { groups: options.groups, channels, restrictions, decisions: options.decisions }
  }).pipe(dbCall, Effect.withSpan("Seed.dataset"))
