import { SqlClient } from "@effect/sql"
import { layer } from "@effect/vitest"
import { type AppConfig, Health, Jobs, reconcileKind } from "@nezuko/core"
import { AppSettingsRepo, GroupRepo, JobQueue, MemberCountRepo } from "@nezuko/db"
import { ok, PgliteTest, TelegramApiRecorder, TelegramApiTest, tooManyRequests } from "@nezuko/testing"
import { Clock, Duration, Effect, Fiber, Layer, Option } from "effect"
import { expect } from "vitest"
import { AllLeaderDutiesLive } from "../../src/BotLive.js"
import { JobRegistry, makeJobRunner } from "../../src/runtime/JobRunner.js"
import { LeaderDuties } from "../../src/runtime/Leader.js"
import { MemberSyncJobsLive, memberSyncKind, memberSyncSpacing, syncMemberCounts } from "../../src/runtime/MemberSyncJobs.js"
import { RetentionJobsLive, retentionKind } from "../../src/runtime/RetentionJobs.js"
import { eventually, startProcess } from "./harness.js"

const groupA = -1009300000001
const groupB = -1009300000002
const channel = -1009400000001
const rateLimitedChat = groupA

// getChatMemberCount answers from this table; the rate-limited chat always gets a 429 (retry_after 1 s).
const counts: Record<number, number> = { [groupB]: 250, [channel]: 9000 }
const Telegram = TelegramApiTest({
  getChatMemberCount: (payload) =>
    payload.chat_id === rateLimitedChat ? tooManyRequests(1) : ok(counts[Number(payload.chat_id)] ?? 0)
}, { INSTANCE_ID: "periodic-jobs-test", RATE_LIMIT_RETRIES: "0" })

const Shared = Layer.mergeAll(Jobs.Default, JobQueue.Default, JobRegistry.Default, GroupRepo.Default, MemberCountRepo.Default, AppSettingsRepo.Default).pipe(
  Layer.provideMerge(PgliteTest),
  Layer.provideMerge(Telegram)
)

const here = Effect.context<JobQueue | JobRegistry | AppConfig | Health | SqlClient.SqlClient | TelegramApiRecorder | Jobs>()

const queuedOf = (kind: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM scheduled_jobs WHERE kind = ${kind} AND state IN ('queued', 'running')`).pipe(
      Effect.map((rows) => rows[0]?.n ?? 0)
    )

layer(Shared, { timeout: "60 seconds", excludeTestServices: true })("member_sync and retention (OPS-16)", (it) => {
  it.effect("setup: two protected groups sharing one linked channel", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`INSERT INTO groups (chat_id, type, title, enabled, member_count) VALUES (${groupA}, 'supergroup', 'A', true, 7), (${groupB}, 'supergroup', 'B', true, NULL)`
      yield* sql`INSERT INTO channels (chat_id, title) VALUES (${channel}, 'C')`
      yield* sql`INSERT INTO group_channels (group_id, channel_id, position) VALUES (${groupA}, ${channel}, 0), (${groupB}, ${channel}, 0)`
    }))

  it.effect("member_sync asks once per entity, 100 ms apart, stores the counts and skips a rate-limited entity", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const recorder = yield* TelegramApiRecorder
      yield* recorder.clear
      const started = yield* Clock.currentTimeMillis
      const result = yield* syncMemberCounts
      const elapsed = (yield* Clock.currentTimeMillis) - started
      expect(result).toEqual({ updated: 2, rateLimited: 1, failed: 0 })
      // One call each: the 429 is not retried within the cycle (RATE_LIMIT_RETRIES 0 here; LIM-5 waits at most 5 s for kind membership).
      const calls = yield* recorder.callsOf("getChatMemberCount")
      expect(calls.map((c) => c.payload.chat_id)).toEqual([groupB, groupA, channel])
      // Two gaps of 100 ms between three calls, plus the 1 s pause the 429 put on the api budget.
      expect(elapsed).toBeGreaterThanOrEqual(2 * Duration.toMillis(memberSyncSpacing))
      const groups = yield* sql<{ readonly chatId: number; readonly memberCount: number | null }>`
        SELECT chat_id, member_count FROM groups WHERE chat_id IN (${groupA}, ${groupB}) ORDER BY chat_id`
      // A keeps its old count until a later cycle gets an answer.
      expect(groups).toEqual([{ chatId: groupB, memberCount: 250 }, { chatId: groupA, memberCount: 7 }])
      const channels = yield* sql<{ readonly subscriberCount: number | null }>`SELECT subscriber_count FROM channels WHERE chat_id = ${channel}`
      expect(channels[0]?.subscriberCount).toBe(9000)
    }))

  it.effect("the next cycle picks up the entity a 429 skipped", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const recorder = yield* TelegramApiRecorder
      yield* recorder.respond("getChatMemberCount", (payload) => ok(payload.chat_id === groupA ? 31 : counts[Number(payload.chat_id)] ?? 0))
      expect(yield* syncMemberCounts).toEqual({ updated: 3, rateLimited: 0, failed: 0 })
      const a = yield* sql<{ readonly memberCount: number }>`SELECT member_count FROM groups WHERE chat_id = ${groupA}`
      expect(a[0]?.memberCount).toBe(31)
    }))

  it.scoped("the runner runs member_sync and retention as jobs and stores what they did", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const jobs = yield* Jobs
      const queue = yield* JobQueue
      // DATA-19: the panel's setting overrides VERIFICATION_LOG_RETENTION_DAYS (90).
      yield* Effect.flatMap(AppSettingsRepo, (r) => r.put("retention.verification_log_days", 10, null))
      yield* sql`INSERT INTO verification_log (at, group_id, trigger, decision) VALUES (now() - interval '11 days', ${groupA}, 'message', 'pass'), (now() - interval '9 days', ${groupA}, 'message', 'pass')`
      const runner = yield* startProcess(
        makeJobRunner({ pollEvery: "50 millis" }).pipe(Layer.provide(Layer.mergeAll(MemberSyncJobsLive, RetentionJobsLive)), Layer.provide(Layer.succeedContext(yield* here)))
      )
      const sync = Option.getOrThrow(yield* jobs.schedule(memberSyncKind, new Date(), {}, memberSyncKind))
      const retention = Option.getOrThrow(yield* jobs.schedule(retentionKind, new Date(), {}, retentionKind))
      const done = yield* eventually(
        Effect.all([queue.find(sync), queue.find(retention)]),
        (js) => js.every((j) => Option.exists(j, (x) => x.state === "done" || x.state === "dead"))
      )
      expect(done.map((j) => Option.map(j, (x) => x.state))).toEqual([Option.some("done"), Option.some("done")])
      const results = yield* sql<{ readonly result: unknown }>`SELECT result FROM scheduled_jobs WHERE id IN (${sync}, ${retention}) ORDER BY id`
      expect(results[0]?.result).toEqual({ updated: 3, rateLimited: 0, failed: 0 })
      expect(results[1]?.result).toMatchObject({ policy: { verificationLogDays: 10, auditLogDays: 365 }, deleted: { verificationLog: 1 } })
      const log = yield* sql<{ readonly n: number }>`SELECT count(*)::int AS n FROM verification_log WHERE group_id = ${groupA}`
      expect(log[0]?.n).toBe(1)
      yield* runner.stop
    }))

  it.scoped("the leader's duties schedule member_sync and retention once each, however often they run", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql`DELETE FROM scheduled_jobs`
      const duties = yield* Effect.provide(LeaderDuties, AllLeaderDutiesLive.pipe(Layer.provide(Layer.succeedContext(yield* Effect.context<GroupRepo | Jobs>()))))
      // Two runs of every duty at once, as a leader hand-over racing with the old leader would do.
      const fibers = yield* Effect.forEach([...duties, ...duties], (d) => Effect.forkScoped(d))
      yield* eventually(
        Effect.all([queuedOf(memberSyncKind), queuedOf(retentionKind), queuedOf(reconcileKind)]),
        (ns) => ns.every((n) => n > 0)
      )
      yield* Effect.sleep("300 millis")
      expect(yield* Effect.all([queuedOf(memberSyncKind), queuedOf(retentionKind)])).toEqual([1, 1])
      yield* Fiber.interruptAll(fibers)
    }))
})
