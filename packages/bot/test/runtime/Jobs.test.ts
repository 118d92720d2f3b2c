import { SqlClient } from "@effect/sql"
import { layer } from "@effect/vitest"
import { type AppConfig, Health, Jobs } from "@nezuko/core"
import { JobQueue } from "@nezuko/db"
import { AppConfigTest, PgliteTest } from "@nezuko/testing"
import { Effect, Layer, Metric, Option, Schema } from "effect"
import { expect } from "vitest"
import { JobFailed, jobHandler, JobRegistry, jobsTotal, makeJobRunner } from "../../src/runtime/JobRunner.js"
import { eventually, startProcess } from "./harness.js"

const stateOf = (id: number) =>
  Effect.flatMap(JobQueue, (q) => q.find(id)).pipe(Effect.map(Option.match({ onNone: () => "missing", onSome: (j) => j.state })))

const counter = (kind: string, outcome: string) =>
  Metric.value(Metric.tagged(Metric.tagged(jobsTotal, "kind", kind), "outcome", outcome)).pipe(Effect.map((s) => s.count))

const Payload = Schema.Struct({ n: Schema.Number })

// Handlers for this file's kinds: `t_ok` records, `t_flaky` fails until its 3rd attempt, `t_broken` always
// fails, `t_refuse` refuses retries.
const runs: Array<string> = []
const Handlers = Layer.mergeAll(
  jobHandler("t_ok", Payload, (p) => Effect.sync(() => runs.push(`ok:${p.n}`))),
  jobHandler("t_flaky", Payload, (p, job) =>
    job.attempt < 3 ? Effect.fail(new Error(`flaky attempt ${job.attempt}`)) : Effect.sync(() => runs.push(`flaky:${p.n}`)), {
    retry: ["50 millis"]
  }),
  jobHandler("t_broken", Payload, () => Effect.fail("always"), { retry: ["50 millis"] }),
  jobHandler("t_refuse", Payload, () => new JobFailed({ reason: "chat is gone", retry: false }))
)

const Runner = makeJobRunner({ pollEvery: "50 millis" }).pipe(Layer.provide(Handlers))
const Shared = Layer.mergeAll(Jobs.Default, JobQueue.Default, JobRegistry.Default, Health.Default).pipe(
  Layer.provideMerge(PgliteTest),
  Layer.provideMerge(AppConfigTest({ INSTANCE_ID: "jobs-test" }))
)

const here = Effect.context<JobQueue | JobRegistry | AppConfig | Health>()

layer(Shared, { timeout: "60 seconds", excludeTestServices: true })("the job runner", (it) => {
  it.scoped("runs due jobs, retries failures along the ladder, and marks exhausted or refused jobs dead", () =>
    Effect.gen(function* () {
      const jobs = yield* Jobs
      const queue = yield* JobQueue
      const runner = yield* startProcess(Runner.pipe(Layer.provide(Layer.succeedContext(yield* here))))
      const ok = yield* jobs.scheduleIn("t_ok", 0, { n: 1 })
      const later = yield* jobs.scheduleIn("t_ok", "600 millis", { n: 2 })
      const flaky = yield* queue.enqueue({ kind: "t_flaky", payload: { n: 3 }, maxAttempts: 5 })
      const broken = yield* queue.enqueue({ kind: "t_broken", payload: { n: 4 }, maxAttempts: 2 })
      const refused = yield* queue.enqueue({ kind: "t_refuse", payload: { n: 5 } })
      const undecodable = yield* queue.enqueue({ kind: "t_ok", payload: { n: "not a number" } })
      const ids = [ok, later, flaky, broken, refused, undecodable].map((o) => Option.getOrThrow(o))
      expect(yield* stateOf(ids[1] ?? -1)).toBe("queued")

      const states = Effect.forEach(ids, stateOf)
      expect(yield* eventually(states, (s) => s.every((x) => x === "done" || x === "dead"), "10 seconds")).toEqual([
        "done", "done", "done", "dead", "dead", "dead"
      ])
      expect([...runs].sort()).toEqual(["flaky:3", "ok:1", "ok:2"])
      const flakyJob = yield* queue.find(ids[2] ?? -1)
      expect(Option.map(flakyJob, (j) => j.attempts)).toEqual(Option.some(3))
      const brokenJob = yield* queue.find(ids[3] ?? -1)
      expect(Option.map(brokenJob, (j) => [j.attempts, j.lastError])).toEqual(Option.some([2, "always"]))
      expect(yield* counter("t_flaky", "retry")).toBe(2)
      expect(yield* counter("t_broken", "dead")).toBe(1)
      expect(yield* counter("t_refuse", "dead")).toBe(1)
      yield* runner.stop
    }))

  it.scoped("cancels by dedupe key and by selector, never claims unknown kinds, and hands leases back at shutdown", () =>
    Effect.gen(function* () {
      const jobs = yield* Jobs
      const sql = yield* SqlClient.SqlClient
      const first = yield* jobs.scheduleIn("t_ok", "300 millis", { n: 10 }, "t:dedupe")
      const duplicate = yield* jobs.scheduleIn("t_ok", "300 millis", { n: 11 }, "t:dedupe")
      expect(Option.isSome(first)).toBe(true)
      expect(duplicate).toEqual(Option.none())
      expect(yield* jobs.cancel("t:dedupe")).toBe(1)
      yield* jobs.scheduleIn("t_ok", "300 millis", { n: 12, group: -100 }, "t:a")
      yield* jobs.scheduleIn("t_ok", "300 millis", { n: 13, group: -200 }, "t:b")
      expect(yield* jobs.cancel({ kind: "t_ok", payload: { group: -100 } })).toBe(1)
      expect(yield* jobs.cancel({})).toBe(0)
      const unknown = Option.getOrThrow(yield* jobs.scheduleIn("t_unknown", 0, {}))
      // A job stuck "running" on this worker (a crash) is handed back by the runner's shutdown.
      yield* sql`UPDATE scheduled_jobs SET state = 'running', locked_by = 'jobs-test', locked_until = now() + interval '1 hour' WHERE id = ${unknown}`

      runs.length = 0
      const runner = yield* startProcess(Runner.pipe(Layer.provide(Layer.succeedContext(yield* here))))
      yield* eventually(Effect.sync(() => runs), (r) => r.length === 1, "5 seconds")
      expect(runs).toEqual(["ok:13"])
      yield* runner.stop
      expect(yield* stateOf(unknown)).toBe("queued")
    }))

  it.effect("scheduleAutoDelete keeps private chats and a TTL of 0, and dedupes per message", () =>
    Effect.gen(function* () {
      const jobs = yield* Jobs
      expect(yield* jobs.scheduleAutoDelete(42, [1, 2], "60 seconds")).toEqual([])
      expect(yield* jobs.scheduleAutoDelete(-1001, [1, 2], 0)).toEqual([])
      expect((yield* jobs.scheduleAutoDelete(-1001, [1, 2], "60 seconds")).length).toBe(2)
      expect((yield* jobs.scheduleAutoDelete(-1001, [2, 3], "60 seconds")).length).toBe(1)
      expect(yield* jobs.cancel({ kind: "auto_delete", payload: { chat_id: -1001 } })).toBe(3)
    }))
})
