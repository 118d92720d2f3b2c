import { SqlClient } from "@effect/sql"
import { layer } from "@effect/vitest"
import { PgliteTest } from "@nezuko/testing"
import { Effect, Layer } from "effect"
import { expect } from "vitest"
import { MemberCountRepo, RetentionRepo, retentionBatchSize } from "../src/index.js"

const ago = (days: number, hours = 0) => new Date(Date.now() - days * 86_400_000 - hours * 3_600_000)
// Just past and just inside a period: an hour either side, so the test does not depend on how fast it runs.
const past = (days: number) => ago(days, 1)
const inside = (days: number) => ago(days, -1)

const group = -1009000000001

const ids = (rows: ReadonlyArray<{ readonly id: unknown }>) => rows.map((r) => String(r.id)).sort()

layer(Layer.mergeAll(RetentionRepo.Default, MemberCountRepo.Default).pipe(Layer.provideMerge(PgliteTest)), { timeout: "120 seconds" })(
  "RetentionRepo (DATA-21) on PGlite",
  (it) => {
    it.effect("setup: a group for the rows that reference one", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO groups (chat_id, type, title) VALUES (${group}, 'supergroup', 'Retention') ON CONFLICT DO NOTHING`
      }))

    it.effect("verification_log: deletes rows older than the period in batches, keeps younger rows and every rollup", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const repo = yield* RetentionRepo
        // More than two batches of old rows, so the batch loop has to run three times.
        const old = retentionBatchSize * 2 + 7
        yield* sql`
          INSERT INTO verification_log (at, group_id, trigger, decision)
          SELECT ${past(90)}::timestamptz - make_interval(secs => g), ${group}, 'message', 'pass' FROM generate_series(1, ${old}) g`
        yield* sql`INSERT INTO verification_log (at, group_id, trigger, decision) VALUES (${inside(90)}, ${group}, 'message', 'restrict'), (now(), ${group}, 'join', 'pass')`
        yield* sql`
          INSERT INTO verification_hourly (bucket, group_id, trigger, decision, count)
          VALUES (date_trunc('hour', ${ago(400)}::timestamptz), ${group}, 'message', 'pass', 5)`
        expect(yield* repo.verificationLog(90)).toEqual({ months: 0, rows: old })
        const left = yield* sql<{ readonly decision: string }>`SELECT decision FROM verification_log ORDER BY at`
        expect(left.map((r) => r.decision)).toEqual(["restrict", "pass"])
        const hourly = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM verification_hourly WHERE group_id = ${group}`
        expect(hourly[0]?.n).toBe(1)
        expect(yield* repo.verificationLog(90)).toEqual({ months: 0, rows: 0 })
      }))

    it.effect("audit_log: deletes past the period only through the retention transaction, and never below 90 days", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const repo = yield* RetentionRepo
        const rows = yield* sql<{ readonly id: number; readonly action: string }>`
          INSERT INTO audit_log (at, actor_type, action) VALUES
            (${past(365)}, 'system', 'old'), (${inside(365)}, 'system', 'young'), (${past(90)}, 'system', 'ninety'), (${inside(90)}, 'system', 'recent')
          RETURNING id, action`
        expect(yield* repo.auditLog(365)).toBe(1)
        // A 30-day setting is raised to 90: "young" (364 days) and "ninety" go, "recent" (89 days) stays.
        expect(yield* repo.auditLog(30)).toBe(2)
        const left = yield* sql<{ readonly action: string }>`SELECT action FROM audit_log WHERE id IN ${sql.in(rows.map((r) => r.id))}`
        expect(left.map((r) => r.action)).toEqual(["recent"])
        // The append-only trigger is still in force outside the retention transaction.
        const direct = yield* Effect.either(sql`DELETE FROM audit_log`)
        expect(direct._tag).toBe("Left")
      }))

    it.effect("login_attempts: 30 days", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ readonly id: number }>`
          INSERT INTO login_attempts (at, email, success) VALUES (${past(30)}, 'a@x.io', false), (${inside(30)}, 'b@x.io', true) RETURNING id`
        expect(yield* Effect.flatMap(RetentionRepo, (r) => r.loginAttempts)).toBe(1)
        expect(ids(yield* sql<{ readonly id: number }>`SELECT id FROM login_attempts`)).toEqual([String(rows[1]?.id)])
      }))

    it.effect("scheduled_jobs: done, failed and cancelled after 7 days; queued, running and dead jobs stay", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ readonly id: number; readonly kind: string }>`
          INSERT INTO scheduled_jobs (kind, run_at, state, updated_at) VALUES
            ('old_done', now(), 'done', ${past(7)}), ('old_failed', now(), 'failed', ${past(7)}), ('old_cancelled', now(), 'cancelled', ${past(7)}),
            ('young_done', now(), 'done', ${inside(7)}), ('old_dead', now(), 'dead', ${past(7)}),
            ('old_queued', now(), 'queued', ${past(7)}), ('old_running', now(), 'running', ${past(7)})
          RETURNING id, kind`
        expect(yield* Effect.flatMap(RetentionRepo, (r) => r.finishedJobs)).toBe(3)
        const left = yield* sql<{ readonly kind: string }>`SELECT kind FROM scheduled_jobs WHERE id IN ${sql.in(rows.map((r) => r.id))} ORDER BY kind`
        expect(left.map((r) => r.kind)).toEqual(["old_dead", "old_queued", "old_running", "young_done"])
      }))

    it.effect("admin_refresh_tokens: 7 days after expiry, whatever else the token's state", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const admin = yield* sql<{ readonly id: string }>`
          INSERT INTO admin_users (email, password_hash, role) VALUES ('retention@x.io', 'x', 'admin') RETURNING id`
        const user = admin[0]?.id
        const rows = yield* sql<{ readonly id: string; readonly clientUa: string }>`
          INSERT INTO admin_refresh_tokens (family_id, user_id, token_hash, expires_at, family_expires_at, client_ua) VALUES
            (gen_random_uuid(), ${user}, '\\x01', ${past(7)}, ${past(7)}, 'old'),
            (gen_random_uuid(), ${user}, '\\x02', ${inside(7)}, ${inside(7)}, 'expired-recently'),
            (gen_random_uuid(), ${user}, '\\x03', now() + interval '1 day', now() + interval '30 days', 'live')
          RETURNING id, client_ua`
        expect(yield* Effect.flatMap(RetentionRepo, (r) => r.refreshTokens)).toBe(1)
        const left = yield* sql<{ readonly clientUa: string }>`
          SELECT client_ua FROM admin_refresh_tokens WHERE id IN ${sql.in(rows.map((r) => r.id))} ORDER BY client_ua`
        expect(left.map((r) => r.clientUa)).toEqual(["expired-recently", "live"])
      }))

    it.effect("restrictions: closed ones 180 days after closing; pending ones are never deleted", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ readonly id: number; readonly userId: number }>`
          INSERT INTO restrictions (group_id, user_id, trigger, state, resolved_at, created_at, updated_at) VALUES
            (${group}, 1, 'message', 'verified', ${past(180)}, ${ago(400)}, ${past(180)}),
            (${group}, 2, 'message', 'expired', NULL, ${ago(400)}, ${past(180)}),
            (${group}, 3, 'message', 'released', ${inside(180)}, ${ago(400)}, ${inside(180)}),
            (${group}, 4, 'message', 'pending', NULL, ${ago(400)}, ${ago(400)})
          RETURNING id, user_id`
        expect(yield* Effect.flatMap(RetentionRepo, (r) => r.restrictions)).toBe(2)
        const left = yield* sql<{ readonly userId: number }>`SELECT user_id FROM restrictions WHERE id IN ${sql.in(rows.map((r) => r.id))} ORDER BY user_id`
        expect(left.map((r) => r.userId)).toEqual([3, 4])
      }))

    it.effect("alerts: resolved ones after 90 days; open ones stay however old", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ readonly id: number; readonly kind: string }>`
          INSERT INTO alerts (kind, severity, message, opened_at, resolved_at) VALUES
            ('old_resolved', 'info', 'm', ${ago(400)}, ${past(90)}),
            ('young_resolved', 'info', 'm', ${ago(400)}, ${inside(90)}),
            ('old_open', 'warning', 'm', ${ago(400)}, NULL)
          RETURNING id, kind`
        expect(yield* Effect.flatMap(RetentionRepo, (r) => r.alerts)).toBe(1)
        const left = yield* sql<{ readonly kind: string }>`SELECT kind FROM alerts WHERE id IN ${sql.in(rows.map((r) => r.id))} ORDER BY kind`
        expect(left.map((r) => r.kind)).toEqual(["old_open", "young_resolved"])
      }))

    it.effect("group_members: rows with status left after 90 days; other statuses stay", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`
          INSERT INTO group_members (group_id, user_id, status, updated_at, last_seen_at) VALUES
            (${group}, 11, 'left', ${past(90)}, ${past(90)}), (${group}, 12, 'left', ${inside(90)}, ${inside(90)}),
            (${group}, 13, 'member', ${ago(400)}, ${ago(400)}), (${group}, 14, 'kicked', ${ago(400)}, ${ago(400)})`
        expect(yield* Effect.flatMap(RetentionRepo, (r) => r.leftMembers)).toBe(1)
        const left = yield* sql<{ readonly userId: number }>`SELECT user_id FROM group_members WHERE group_id = ${group} ORDER BY user_id`
        expect(left.map((r) => r.userId)).toEqual([12, 13, 14])
      }))

    it.effect("run applies every rule once and reports what each removed", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO login_attempts (at, email, success) VALUES (${past(30)}, 'c@x.io', false)`
        yield* sql`INSERT INTO verification_log (at, group_id, trigger, decision) VALUES (${past(95)}, ${group}, 'message', 'pass')`
        const result = yield* Effect.flatMap(RetentionRepo, (r) => r.run({ verificationLogDays: 95, auditLogDays: 365 }))
        // Two months ahead are created; this month is not, as the first test left this month's rows in the default.
        expect(result).toEqual({
          verificationLogMonths: 0, verificationLog: 1, verificationLogMonthsCreated: 2, auditLog: 0, loginAttempts: 1, finishedJobs: 0, refreshTokens: 0, restrictions: 0, alerts: 0, leftMembers: 0
        })
      }))

    it.effect("MemberCountRepo: targets are the protected groups and their linked channels, each once", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const repo = yield* MemberCountRepo
        yield* sql`
          INSERT INTO groups (chat_id, type, title, enabled) VALUES
            (-1009100000001, 'supergroup', 'P1', true), (-1009100000002, 'supergroup', 'P2', true),
            (-1009100000003, 'supergroup', 'Off', false), (-1009100000004, 'supergroup', 'NoChannels', true)`
        yield* sql`
          INSERT INTO channels (chat_id, title) VALUES (-1009200000001, 'C1'), (-1009200000002, 'C2'), (-1009200000003, 'OnlyOff'), (-1009200000004, 'Unlinked')`
        yield* sql`
          INSERT INTO group_channels (group_id, channel_id, position) VALUES
            (-1009100000001, -1009200000001, 0), (-1009100000002, -1009200000001, 0), (-1009100000002, -1009200000002, 1),
            (-1009100000003, -1009200000003, 0)`
        const targets = yield* repo.targets
        expect(targets).toEqual([
          { kind: "group", chatId: -1009100000002 }, { kind: "group", chatId: -1009100000001 },
          { kind: "channel", chatId: -1009200000002 }, { kind: "channel", chatId: -1009200000001 }
        ])
        expect(yield* repo.store({ kind: "group", chatId: -1009100000001 }, 42)).toBe(true)
        expect(yield* repo.store({ kind: "channel", chatId: -1009200000001 }, 1234)).toBe(true)
        expect(yield* repo.store({ kind: "channel", chatId: -1009299999999 }, 1)).toBe(false)
        const g = yield* sql<{ readonly memberCount: number }>`SELECT member_count FROM groups WHERE chat_id = -1009100000001`
        const c = yield* sql<{ readonly subscriberCount: number; readonly lastSyncedAt: Date | null }>`
          SELECT subscriber_count, last_synced_at FROM channels WHERE chat_id = -1009200000001`
        expect(g[0]?.memberCount).toBe(42)
        expect(c[0]?.subscriberCount).toBe(1234)
        expect(c[0]?.lastSyncedAt).not.toBeNull()
      }))
  }
)
