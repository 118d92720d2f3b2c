import { SqlClient } from "@effect/sql"
import { AuditRepo, dbCall } from "@nezuko/db"
import { AuditEntry, ChatId } from "@nezuko/domain"
import { Effect, Queue } from "effect"
import { ChatAdmins } from "./ChatAdmins.js"
import { GroupDirectory } from "./GroupDirectory.js"
import { GroupPermissions } from "./GroupPermissions.js"
import { TelegramApi } from "./TelegramApi.js"

/**
 * BOT-50: a basic group upgraded to a supergroup gets a new id. `migrate` re-keys everything Nezuko keeps
 * about the group in one transaction — the FKs to `groups` cascade on update; `verification_log`,
 * `verification_hourly`, `alerts` and queued `scheduled_jobs` carry the id without an FK and are moved here —
 * records the old id in `groups.migrated_from_chat_id`, audits `bot.group_migrated` and drops the old id's
 * caches. Idempotent: the `migrate_to_chat_id` and `migrate_from_chat_id` service messages and any call
 * TelegramApi found answered with `migrate_to_chat_id` (which it sends again to the new id) may all report the
 * same migration; this service follows the latter for as long as it lives.
 */
export class GroupMigration extends Effect.Service<GroupMigration>()("@nezuko/core/GroupMigration", {
  scoped: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* AuditRepo
    const directory = yield* GroupDirectory
    const admins = yield* ChatAdmins
    const permissions = yield* GroupPermissions
    const telegram = yield* TelegramApi

    const rekey = (from: ChatId, to: ChatId) =>
      sql.withTransaction(Effect.gen(function* () {
        // Serializes concurrent reports of the same migration (two replicas, two service messages).
        yield* sql`SELECT pg_advisory_xact_lock(${0x6e7a6d67}, hashtext(${String(from)}))`
        const source = yield* sql<{ readonly chatId: ChatId }>`SELECT chat_id FROM groups WHERE chat_id = ${from} FOR UPDATE`
        if (source.length === 0) return false
        // A bare row for the new id (e.g. from my_chat_member before the service message) gives way.
        const target = yield* sql<{ readonly chatId: ChatId }>`SELECT chat_id FROM groups WHERE chat_id = ${to}`
        if (target.length > 0) {
          const linked = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM group_channels WHERE group_id = ${to}`
          if ((linked[0]?.n ?? 0) > 0) {
            yield* Effect.logWarning(`group ${from} migrated to ${to}, which is already protected on its own; keeping both`)
            return false
          }
          yield* sql`DELETE FROM groups WHERE chat_id = ${to}`
        }
        yield* sql`
          UPDATE groups SET chat_id = ${to}, type = 'supergroup', migrated_from_chat_id = ${from}, updated_at = now()
          WHERE chat_id = ${from}`
        yield* sql`UPDATE verification_log SET group_id = ${to} WHERE group_id = ${from}`
        yield* sql`
          INSERT INTO verification_hourly (bucket, group_id, trigger, decision, count, cached_count, checked_count, latency_sum_ms, latency_p50_ms, latency_p95_ms)
          SELECT bucket, ${to}, trigger, decision, count, cached_count, checked_count, latency_sum_ms, latency_p50_ms, latency_p95_ms
          FROM verification_hourly WHERE group_id = ${from}
          ON CONFLICT (bucket, group_id, trigger, decision) DO UPDATE SET
            count = verification_hourly.count + EXCLUDED.count,
            cached_count = verification_hourly.cached_count + EXCLUDED.cached_count,
            checked_count = verification_hourly.checked_count + EXCLUDED.checked_count,
            latency_sum_ms = verification_hourly.latency_sum_ms + EXCLUDED.latency_sum_ms`
        yield* sql`DELETE FROM verification_hourly WHERE group_id = ${from}`
        yield* sql`
          UPDATE alerts SET group_id = ${to}
          WHERE group_id = ${from} AND NOT (resolved_at IS NULL AND EXISTS (
            SELECT 1 FROM alerts o WHERE o.kind = alerts.kind AND o.group_id = ${to}
              AND coalesce(o.channel_id, 0) = coalesce(alerts.channel_id, 0) AND o.resolved_at IS NULL))`
        // Queued work about the group follows it; deletions of the old chat's messages stay (they fail as gone).
        yield* sql`
          UPDATE scheduled_jobs SET
            payload = jsonb_set(payload, '{group_id}', to_jsonb(${to}::bigint)),
            dedupe_key = CASE WHEN dedupe_key IS NULL THEN NULL ELSE replace(dedupe_key, ${`:${from}`}, ${`:${to}`}) END,
            updated_at = now()
          WHERE state IN ('queued', 'running') AND jsonb_typeof(payload->'group_id') = 'number' AND (payload->>'group_id')::bigint = ${from}`
        yield* audit.record(new AuditEntry({
          actorType: "system", actorAdminId: null, actorTgId: null, action: "bot.group_migrated", resourceType: "group",
          resourceId: String(to), outcome: "success", oldValue: { chat_id: from }, newValue: { chat_id: to }, ip: null,
          clientUa: null, requestId: null
        }))
        return true
      }))

    /** Re-keys `from` to `to`; true if this call moved the group, false if there was nothing (left) to move. */
    const migrate = Effect.fn("GroupMigration.migrate")(function* (from: ChatId, to: ChatId) {
      if (from === to) return false
      const moved = yield* dbCall(rekey(from, to))
      yield* Effect.all([directory.invalidate(from), directory.invalidate(to), admins.invalidate(from), admins.invalidate(to),
        permissions.invalidate(from), permissions.invalidate(to)], { discard: true })
      if (moved) yield* Effect.logInfo(`group ${from} migrated to supergroup ${to}`).pipe(Effect.annotateLogs("event", "bot.group_migrated"))
      return moved
    })

    const met = yield* telegram.subscribeMigrations
    yield* Queue.take(met).pipe(
      Effect.flatMap(({ from, to }) => migrate(ChatId.make(from), ChatId.make(to))),
      Effect.catchAllCause((cause) => Effect.logWarning("could not follow a group migration met by a call", cause)),
      Effect.forever,
      Effect.forkScoped
    )

    return { migrate } as const
  })
}) {}
