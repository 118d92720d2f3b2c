import { layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { expect } from "vitest"
import {
  type AnalyticsRange, AnalyticsRepo, checkDecisions, DashboardStatsRepo, GroupListRepo, type GroupListQuery, HourlyRollup, seedDataset,
  seedGroupBase
} from "../src/index.js"

const Repos = Layer.mergeAll(DashboardStatsRepo.Default, GroupListRepo.Default, AnalyticsRepo.Default, HourlyRollup.Default)
const hour = 3_600_000
const day = 24 * hour
const seeded = (i: number) => seedGroupBase - i
const byKey = <A>(rows: ReadonlyArray<A>) => [...rows].map((r) => JSON.stringify(r)).sort()

/**
 * Issue #9's rollups and running sums must give the figures of SPEC PANEL-4/5/9's definitions: every figure is
 * compared with the same definition computed naively from verification_log, restrictions and groups, after a
 * seed and a rollup, with rows added around the rollup's windows so the corrections at both ends are exercised.
 */
export const panelStatsSuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  layer(Repos.pipe(Layer.provideMerge(database)), { timeout: "120 seconds" })(name, (it) => {
    const checks = (sql: SqlClient.SqlClient) => sql.in(checkDecisions)

    it.effect("seed + rollup: the dashboard cards, the groups table's aggregate sorts and every chart match their definitions", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* seedDataset({ groups: 300, decisions: 15_000, days: 30 })
        // In the rolled-up windows but outside the periods read below: the panel must take them out again.
        yield* sql`
          INSERT INTO verification_log (at, group_id, user_id, trigger, decision, cached, latency_ms)
          SELECT now() - interval '168 hours' - interval '20 seconds', ${seeded(7)}, i, 'message', 'pass', true, 5 FROM generate_series(1, 40) i`
        yield* sql`
          INSERT INTO restrictions (group_id, user_id, trigger, state, created_at, resolved_at)
          SELECT ${seeded(8)}, 5000000 + i, 'message', 'verified', now() - interval '720 hours' - interval '20 seconds', now() FROM generate_series(1, 30) i`
        yield* Effect.flatMap(HourlyRollup, (r) => r.run)
        // After the rollup: only the log's tail knows them.
        yield* sql`
          INSERT INTO verification_log (at, group_id, user_id, trigger, decision, cached, latency_ms)
          SELECT now() - (i || ' seconds')::interval, ${seeded(9)}, i, 'join', 'restrict', false, 9 FROM generate_series(1, 25) i`
        yield* sql`
          INSERT INTO restrictions (group_id, user_id, trigger, state, created_at)
          SELECT ${seeded(10)}, 6000000 + i, 'join', 'pending', now() - (i || ' seconds')::interval FROM generate_series(1, 20) i`

        // PANEL-4
        const stats = yield* DashboardStatsRepo
        const now = new Date()
        const startOfToday = new Date(now.getTime() - 5 * hour - (now.getTime() % hour))
        const d7 = new Date(now.getTime() - 7 * day)
        const h24 = new Date(now.getTime() - day)
        const counts = yield* stats.counts(startOfToday, now)
        const [naive] = yield* sql<Record<string, number | null>>`
          SELECT
            (SELECT count(*)::int FROM groups WHERE enabled AND health <> 'removed') AS protected_groups,
            (SELECT count(*)::int FROM groups WHERE health IN ('degraded', 'broken')) AS need_attention,
            (SELECT count(DISTINCT gc.channel_id)::int FROM group_channels gc JOIN groups g ON g.chat_id = gc.group_id WHERE g.enabled) AS required_channels,
            (SELECT count(*)::int FROM verification_log WHERE at >= ${startOfToday} AND at <= ${now} AND decision IN ${checks(sql)}) AS checks_today,
            (SELECT count(*)::int FROM verification_log WHERE at >= ${startOfToday} AND at <= ${now} AND decision = 'restrict') AS restricted_today,
            (SELECT count(*)::int FROM verification_log WHERE at >= ${startOfToday} AND at <= ${now} AND decision IN ('verify', 'approve')) AS verified_today,
            (SELECT count(*)::int FROM verification_log WHERE at >= ${d7} AND at < ${now} AND decision = 'pass') AS pass7d,
            (SELECT count(*)::int FROM verification_log WHERE at >= ${d7} AND at < ${now} AND decision = 'restrict') AS restrict7d,
            (SELECT count(*) FILTER (WHERE cached)::int FROM verification_log WHERE at >= ${h24}) AS cached24h,
            (SELECT count(cached)::int FROM verification_log WHERE at >= ${h24}) AS checked24h,
            (SELECT count(*)::int FROM restrictions WHERE state = 'pending') AS pending_now,
            (SELECT count(*)::int FROM restrictions WHERE created_at >= ${d7}) AS created7d,
            (SELECT count(*) FILTER (WHERE state = 'verified')::int FROM restrictions WHERE created_at >= ${d7}) AS verified7d`
        expect(counts).toMatchObject(naive ?? {})
        expect(counts?.checksToday).toBeGreaterThan(0)
        expect(counts?.pass7d).toBeGreaterThan(0)

        const from14 = new Date(now.getTime() - 14 * day)
        // Whole-hour zones: an hour rolled up in UTC falls on one local day only there (a known limit of DATA-12's
        // hourly rollup for zones such as Asia/Kolkata).
        for (const timezone of ["Europe/Berlin", "UTC", "America/New_York"]) {
          const perDay = yield* stats.perDay(from14, timezone)
          const naiveDays = yield* sql`
            SELECT to_char((at AT TIME ZONE ${timezone})::date, 'YYYY-MM-DD') AS day, decision, count(*)::int AS count
            FROM verification_log WHERE at >= ${from14} AND at < ${new Date(Date.now() + 60_000)} GROUP BY 1, 2`
          expect(byKey(perDay)).toEqual(byKey(naiveDays))
        }

        // PANEL-5: the aggregate sorts page exactly as sorting every group by its figure would.
        const list = yield* GroupListRepo
        const query = (q: Partial<GroupListQuery>): GroupListQuery => ({
          page: 1, perPage: 10, sort: "created_at", order: "desc", status: "all", health: "any", q: "", ...q
        })
        const naivePage = (q: GroupListQuery) =>
          Effect.gen(function* () {
            const from7d = new Date(Date.now() - 7 * day)
            const rows = yield* sql<{ readonly chatId: number; readonly pending: number; readonly checks7d: number }>`
              SELECT g.chat_id,
                (SELECT count(*)::int FROM restrictions r WHERE r.group_id = g.chat_id AND r.state = 'pending') AS pending,
                (SELECT count(*)::int FROM verification_log v WHERE v.group_id = g.chat_id AND v.at >= ${from7d} AND v.decision IN ${checks(sql)}) AS checks7d
              FROM groups g WHERE ${q.status === "protected" ? sql`g.enabled AND g.health <> 'removed'` : sql`true`}`
            const key = (r: (typeof rows)[number]) => (q.sort === "pending" ? r.pending : r.checks7d)
            const sign = q.order === "asc" ? 1 : -1
            return [...rows].sort((a, b) => sign * (key(a) - key(b)) || sign * (a.chatId - b.chatId))
              .slice((q.page - 1) * q.perPage, q.page * q.perPage)
          })
        for (const sort of ["pending", "checks_7d"] as const) {
          for (const order of ["desc", "asc"] as const) {
            for (const extra of [{}, { page: 3 }, { status: "protected" as const, page: 2 }]) {
              const q = query({ sort, order, ...extra })
              const page = yield* list.list(q)
              const expected = yield* naivePage(q)
              expect(page.rows.map((r) => [r.chatId, r.pending, r.checks7d])).toEqual(expected.map((r) => [r.chatId, r.pending, r.checks7d]))
            }
          }
        }
        const top = yield* list.list(query({ sort: "checks_7d" }))
        expect(top.rows[0]?.chatId).toBe(seeded(9))
        expect(top.rows.some((r) => r.chatId === seeded(7) && r.checks7d >= 40)).toBe(false)
        expect((yield* list.list(query({ sort: "pending" }))).rows[0]).toMatchObject({ chatId: seeded(10), pending: 20 })

        const search = yield* list.list(query({ q: "group 12", perPage: 100 }))
        const naiveSearch = yield* sql<{ readonly chatId: number }>`
          SELECT chat_id FROM groups WHERE lower(title) LIKE '%group 12%' OR lower(username) LIKE '%group 12%' ORDER BY created_at DESC, chat_id DESC`
        expect(search.rows.map((r) => r.chatId)).toEqual(naiveSearch.map((r) => r.chatId))
        expect(search.total).toBe(naiveSearch.length)

        // PANEL-9, over rolled-up history, the partial hours at both ends and the log's tail.
        const analytics = yield* AnalyticsRepo
        const t = Date.now()
        const midnight = t - (t % day)
        const ranges: ReadonlyArray<AnalyticsRange> = [
          { from: new Date(t - 30 * day), to: new Date(t), bucket: "day", timezone: "Europe/Berlin", groupId: null },
          { from: new Date(t - 7 * day), to: new Date(t), bucket: "day", timezone: "America/New_York", groupId: null },
          { from: new Date(t - day), to: new Date(t), bucket: "hour", timezone: "UTC", groupId: null },
          { from: new Date(midnight - 20 * day), to: new Date(midnight - 10 * day + 90 * 60_000), bucket: "day", timezone: "UTC", groupId: null },
          { from: new Date(t - 30 * day), to: new Date(t), bucket: "day", timezone: "Europe/Berlin", groupId: seeded(9) }
        ]
        for (const r of ranges) {
          const label = sql`to_char(date_trunc(${r.bucket}, at AT TIME ZONE ${r.timezone}), ${r.bucket === "hour" ? "YYYY-MM-DD HH24:00" : "YYYY-MM-DD"})`
          const log = sql`verification_log WHERE at >= ${r.from} AND at < ${r.to} AND ${r.groupId === null ? sql`true` : sql`group_id = ${r.groupId}`}`
          const created = sql`restrictions WHERE created_at >= ${r.from} AND created_at < ${r.to} AND ${r.groupId === null ? sql`true` : sql`group_id = ${r.groupId}`}`
          expect(byKey(yield* analytics.overTime(r))).toEqual(byKey(yield* sql`SELECT ${label} AS bucket, decision, count(*)::int AS count FROM ${log} GROUP BY 1, 2`))
          expect(byKey(yield* analytics.triggers(r))).toEqual(byKey(yield* sql`SELECT trigger, count(*)::int AS count FROM ${log} GROUP BY 1`))
          expect(byKey(yield* analytics.heatmap(r))).toEqual(byKey(yield* sql`
            SELECT extract(isodow FROM at AT TIME ZONE ${r.timezone})::int AS weekday, extract(hour FROM at AT TIME ZONE ${r.timezone})::int AS hour, count(*)::int AS count
            FROM ${log} AND decision IN ${checks(sql)} GROUP BY 1, 2`))
          const cache = yield* analytics.cacheAndLatency(r)
          expect(byKey(cache.map((c) => ({ bucket: c.bucket, cached: c.cached, checked: c.checked })))).toEqual(byKey(yield* sql`
            SELECT ${label} AS bucket, count(*) FILTER (WHERE cached)::int AS cached, count(cached)::int AS checked FROM ${log} AND decision IN ${checks(sql)} GROUP BY 1`))
          expect(cache.every((c) => c.p50 !== null && c.p95 !== null && c.p50 <= c.p95)).toBe(true)
          const [funnel] = yield* sql`
            SELECT count(*)::int AS restricted, count(*) FILTER (WHERE state = 'verified' AND (deadline_at IS NULL OR resolved_at <= deadline_at))::int AS verified,
                   count(*) FILTER (WHERE state IN ('kicked', 'banned'))::int AS removed, count(*) FILTER (WHERE state = 'pending')::int AS pending FROM ${created}`
          expect(yield* analytics.funnel(r)).toEqual(funnel)
          const [ttv] = yield* sql`
            SELECT count(*) FILTER (WHERE d < 60)::int AS under1m, count(*) FILTER (WHERE d >= 60 AND d < 300)::int AS m1to5,
                   count(*) FILTER (WHERE d >= 300 AND d < 1800)::int AS m5to30, count(*) FILTER (WHERE d >= 1800 AND d < 86400)::int AS m30to24h,
                   count(*) FILTER (WHERE d >= 86400)::int AS over24h
            FROM (SELECT extract(epoch FROM resolved_at - created_at) AS d FROM restrictions
                  WHERE state = 'verified' AND resolved_at >= ${r.from} AND resolved_at < ${r.to} AND ${r.groupId === null ? sql`true` : sql`group_id = ${r.groupId}`}) t`
          expect(yield* analytics.timeToVerify(r)).toEqual(ttv)
          expect(yield* analytics.topGroups(r)).toEqual(yield* sql`
            SELECT v.group_id, g.title, v.count FROM (SELECT group_id, count(*)::int AS count FROM ${created} GROUP BY 1 ORDER BY 2 DESC, 1 DESC LIMIT 10) v
            LEFT JOIN groups g ON g.chat_id = v.group_id ORDER BY v.count DESC, v.group_id DESC`)
        }
        const month30 = ranges[0] as AnalyticsRange
        const compared = yield* analytics.compareGroups(month30, [seeded(9), seeded(3)])
        const naiveCompared = yield* sql`
          SELECT g.chat_id AS group_id, g.title,
                 count(v.*) FILTER (WHERE v.decision IN ${checks(sql)})::int AS checks, count(v.*) FILTER (WHERE v.decision = 'pass')::int AS passed,
                 count(v.*) FILTER (WHERE v.decision = 'restrict')::int AS restricted, count(v.*) FILTER (WHERE v.decision IN ('verify', 'approve'))::int AS verified,
                 count(v.*) FILTER (WHERE v.decision IN ${checks(sql)} AND v.cached)::int AS cached,
                 count(v.cached) FILTER (WHERE v.decision IN ${checks(sql)})::int AS checked
          FROM groups g LEFT JOIN verification_log v ON v.group_id = g.chat_id AND v.at >= ${month30.from} AND v.at < ${month30.to}
          WHERE g.chat_id IN (${seeded(9)}, ${seeded(3)}) GROUP BY g.chat_id, g.title`
        expect(byKey(compared)).toEqual(byKey(naiveCompared))
        expect(compared.find((c) => c.groupId === seeded(9))?.restricted).toBeGreaterThanOrEqual(25)
        const month = yield* analytics.topGroups(month30)
        expect(month[0]?.groupId).toBe(seeded(10))
        expect(month.some((g) => g.groupId === seeded(8) && g.count >= 30)).toBe(false)
      }))

    it.effect("the restriction rollups (funnel, time to verify) follow inserts, state changes, deletes, a re-key and the fold", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const analytics = yield* AnalyticsRepo
        const rollup = Effect.flatMap(HourlyRollup, (r) => r.run)
        if ((yield* sql`SELECT 1 FROM groups WHERE chat_id = ${seeded(1)}`).length === 0) yield* seedDataset({ groups: 300, decisions: 15_000, days: 30 })
        const expectCharts = Effect.gen(function* () {
          const t = Date.now()
          const midnight = t - (t % day)
          const ranges: ReadonlyArray<AnalyticsRange> = [
            { from: new Date(t - 30 * day), to: new Date(t), bucket: "day", timezone: "Europe/Berlin", groupId: null },
            { from: new Date(t - 90 * day), to: new Date(t), bucket: "day", timezone: "UTC", groupId: null },
            { from: new Date(t - 7 * day), to: new Date(t), bucket: "day", timezone: "UTC", groupId: null },
            { from: new Date(t - day), to: new Date(t), bucket: "hour", timezone: "UTC", groupId: null },
            { from: new Date(midnight - 20 * day), to: new Date(midnight - 10 * day), bucket: "day", timezone: "UTC", groupId: null },
            { from: new Date(midnight - 12 * day + 10 * 60_000), to: new Date(midnight - 12 * day + 50 * 60_000), bucket: "day", timezone: "UTC", groupId: null },
            { from: new Date(midnight - 12 * day - 30 * 60_000), to: new Date(midnight - 9 * day - 90 * 60_000 + 7_000), bucket: "day", timezone: "Asia/Kolkata", groupId: null },
            { from: new Date(t - 30 * day), to: new Date(t), bucket: "day", timezone: "Europe/Berlin", groupId: seeded(8) }
          ]
          for (const r of ranges) {
            const group = r.groupId === null ? sql`true` : sql`group_id = ${r.groupId}`
            const [funnel] = yield* sql`
              SELECT count(*)::int AS restricted, count(*) FILTER (WHERE state = 'verified' AND (deadline_at IS NULL OR resolved_at <= deadline_at))::int AS verified,
                     count(*) FILTER (WHERE state IN ('kicked', 'banned'))::int AS removed, count(*) FILTER (WHERE state = 'pending')::int AS pending
              FROM restrictions WHERE created_at >= ${r.from} AND created_at < ${r.to} AND ${group}`
            expect(yield* analytics.funnel(r)).toEqual(funnel)
            const [ttv] = yield* sql`
              SELECT count(*) FILTER (WHERE d < 60)::int AS under1m, count(*) FILTER (WHERE d >= 60 AND d < 300)::int AS m1to5,
                     count(*) FILTER (WHERE d >= 300 AND d < 1800)::int AS m5to30, count(*) FILTER (WHERE d >= 1800 AND d < 86400)::int AS m30to24h,
                     count(*) FILTER (WHERE d >= 86400)::int AS over24h
              FROM (SELECT extract(epoch FROM resolved_at - created_at) AS d FROM restrictions
                    WHERE state = 'verified' AND resolved_at >= ${r.from} AND resolved_at < ${r.to} AND ${group}) t`
            expect(yield* analytics.timeToVerify(r)).toEqual(ttv)
          }
        })
        const [stored] = yield* sql<{ readonly funnelRows: number; readonly ttvRows: number }>`
          SELECT (SELECT count(*)::int FROM restriction_funnel_hourly) AS funnel_rows, (SELECT count(*)::int FROM verify_time_hourly) AS ttv_rows`
        expect(stored?.funnelRows).toBeGreaterThan(0)
        expect(stored?.ttvRows).toBeGreaterThan(0)
        yield* expectCharts

        // Whole hours in the middle of history: every funnel stage and every time-to-verify bucket, some late.
        yield* sql`
          INSERT INTO restrictions (group_id, user_id, trigger, state, created_at, resolved_at, deadline_at)
          SELECT ${seeded(8)}, 7000000 + i, 'message', (ARRAY['verified', 'verified', 'kicked', 'banned', 'pending', 'released', 'verified'])[1 + i % 7],
                 now() - interval '11 days' - (i || ' minutes')::interval,
                 CASE WHEN i % 7 IN (0, 1, 6) THEN now() - interval '11 days' - (i || ' minutes')::interval
                      + (ARRAY[interval '10 seconds', interval '3 minutes', interval '20 minutes', interval '2 hours', interval '3 days'])[1 + i % 5]
                      WHEN i % 7 IN (2, 3, 5) THEN now() - interval '10 days' END,
                 CASE WHEN i % 3 <> 0 THEN now() - interval '11 days' - (i || ' minutes')::interval + interval '10 minutes' END
          FROM generate_series(1, 140) i`
        yield* expectCharts
        // State changes: pending ones verified or kicked, verified ones banned, and an update that changes no figure.
        yield* sql`UPDATE restrictions SET state = 'verified', resolved_at = now() - interval '9 days' WHERE state = 'pending' AND user_id % 3 = 0`
        yield* sql`UPDATE restrictions SET state = 'kicked', resolved_at = now() WHERE state = 'pending' AND user_id % 3 = 1 AND created_at < now() - interval '1 hour'`
        yield* sql`UPDATE restrictions SET state = 'banned' WHERE state = 'verified' AND user_id % 11 = 0`
        yield* sql`UPDATE restrictions SET resolved_at = resolved_at + interval '2 hours', deadline_at = deadline_at - interval '5 minutes' WHERE user_id % 13 = 0`
        yield* sql`UPDATE restrictions SET prompt_message_id = 42 WHERE user_id % 5 = 0`
        yield* expectCharts
        yield* rollup
        const [folded] = yield* sql<{ readonly dup: number }>`
          SELECT ((SELECT count(*) - count(DISTINCT bucket) FROM restriction_funnel_hourly) + (SELECT count(*) - count(DISTINCT bucket) FROM verify_time_hourly))::int AS dup`
        expect(folded?.dup).toBe(0)
        yield* expectCharts
        // A group's cascaded delete, a supergroup re-key (the cascade updates its restrictions), retention.
        yield* sql`DELETE FROM groups WHERE chat_id = ${seeded(15)}`
        yield* sql`UPDATE groups SET chat_id = ${seeded(900)}, migrated_from_chat_id = ${seeded(22)} WHERE chat_id = ${seeded(22)}`
        yield* expectCharts
        yield* sql`DELETE FROM restrictions WHERE state <> 'pending' AND created_at < now() - interval '25 days'`
        yield* sql`INSERT INTO restrictions (group_id, user_id, trigger, state, created_at) VALUES (${seeded(8)}, 7999999, 'join', 'pending', now())`
        yield* expectCharts
        yield* rollup
        yield* expectCharts
      }))

    it.effect("the group cards' running sums follow inserts, enable/disable, health, links, deletes and a supergroup re-key, before and after the rollup folds them", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const stats = yield* DashboardStatsRepo
        const expectCards = Effect.gen(function* () {
          const now = new Date()
          const counts = yield* stats.counts(now, now)
          const [naive] = yield* sql<Record<string, number>>`
            SELECT (SELECT count(*)::int FROM groups WHERE enabled AND health <> 'removed') AS protected_groups,
                   (SELECT count(*)::int FROM groups WHERE health IN ('degraded', 'broken')) AS need_attention,
                   (SELECT count(DISTINCT gc.channel_id)::int FROM group_channels gc JOIN groups g ON g.chat_id = gc.group_id WHERE g.enabled) AS required_channels`
          expect(counts).toMatchObject(naive ?? {})
          return naive
        })
        const before = yield* expectCards
        const g = (n: number) => -1007700000000 - n
        const c = (n: number) => -1007800000000 - n
        yield* sql`INSERT INTO channels (chat_id, title) SELECT ${c(0)}::bigint - i, 'Counted ' || i FROM generate_series(1, 4) i`
        yield* sql`
          INSERT INTO groups (chat_id, type, title, enabled, health)
          SELECT ${g(0)}::bigint - i, 'supergroup', 'Counted ' || i, i % 2 = 1, (ARRAY['ok', 'degraded', 'broken', 'removed'])[1 + i % 4] FROM generate_series(1, 8) i`
        yield* expectCards
        yield* sql`INSERT INTO group_channels (group_id, channel_id, position) VALUES (${g(1)}, ${c(1)}, 0), (${g(2)}, ${c(2)}, 0), (${g(3)}, ${c(2)}, 0), (${g(3)}, ${c(3)}, 1)`
        yield* expectCards
        yield* sql`UPDATE groups SET enabled = true WHERE chat_id = ${g(2)}`
        yield* sql`UPDATE groups SET enabled = false, health = 'ok' WHERE chat_id = ${g(3)}`
        yield* sql`UPDATE groups SET title = 'Renamed' WHERE chat_id = ${g(1)}`
        yield* expectCards
        yield* sql`DELETE FROM group_channels WHERE group_id = ${g(2)} AND channel_id = ${c(2)}`
        yield* sql`UPDATE groups SET health = 'removed' WHERE chat_id = ${g(1)}`
        yield* expectCards
        yield* Effect.flatMap(HourlyRollup, (r) => r.run)
        yield* expectCards
        // BOT-50's re-key: the FKs cascade the links to the new id.
        yield* sql`UPDATE groups SET chat_id = ${g(20)}, migrated_from_chat_id = ${g(1)} WHERE chat_id = ${g(1)}`
        yield* sql`UPDATE groups SET enabled = NOT enabled WHERE chat_id = ${g(20)}`
        yield* expectCards
        yield* sql`DELETE FROM groups WHERE chat_id IN (${g(20)}, ${g(3)})`
        const last = yield* expectCards
        expect(last?.requiredChannels).toBe(before?.requiredChannels)
        yield* sql`INSERT INTO group_channels (group_id, channel_id, position) VALUES (${g(5)}, ${c(1)}, 0), (${g(5)}, ${c(4)}, 1)`
        expect((yield* expectCards)?.requiredChannels).toBe((before?.requiredChannels ?? 0) + 2)
        yield* Effect.flatMap(HourlyRollup, (r) => r.run)
        yield* expectCards
      }))

    it.effect("a decision that reaches the log just after its hour ended is counted, though the rollup ran in between", () =>
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const rollup = yield* HourlyRollup
        const analytics = yield* AnalyticsRepo
        const group = seeded(950)
        const [clock] = yield* sql<{ readonly hourStart: Date }>`SELECT date_trunc('hour', now()) - interval '3 hours' AS hour_start`
        const hourStart = clock?.hourStart ?? new Date()
        // The rollup runs 30 s into the hour; a decision taken 10 s before it began is written a moment later.
        yield* rollup.runAt(new Date(hourStart.getTime() + 30_000))
        yield* sql`
          INSERT INTO verification_log (at, group_id, user_id, trigger, decision, cached, latency_ms)
          VALUES (${new Date(hourStart.getTime() - 10_000)}, ${group}, 1, 'message', 'pass', true, 1)`
        const range: AnalyticsRange = {
          from: new Date(hourStart.getTime() - 2 * hour), to: new Date(hourStart.getTime() + hour), bucket: "hour", timezone: "UTC", groupId: group
        }
        expect((yield* analytics.overTime(range)).reduce((n, row) => n + row.count, 0)).toBe(1)
        yield* rollup.run
        expect((yield* analytics.overTime(range)).reduce((n, row) => n + row.count, 0)).toBe(1)
      }))
  })
