import { layer } from "@effect/vitest"
import type { SqlClient } from "@effect/sql"
import { Duration, Effect, Layer, Option } from "effect"
import { expect } from "vitest"
import { JobQueue, retryDelay } from "../src/JobQueue.js"

/** The same JobQueue tests on PGlite (unit) and on the real PostgreSQL 15 (integration). */
export const jobQueueSuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  layer(JobQueue.Default.pipe(Layer.provideMerge(database)), { timeout: "60 seconds" })(name, (it) => {
    it.effect("a dedupe key holds one queued or running job (isPending says so); a finished one frees it", () =>
      Effect.gen(function* () {
        const jobs = yield* JobQueue
        expect(yield* jobs.isPending("unmute:1:1")).toBe(false)
        const first = yield* jobs.enqueue({ kind: "t1", payload: { user: 1 }, dedupeKey: "unmute:1:1" })
        expect(Option.isSome(first)).toBe(true)
        expect(yield* jobs.isPending("unmute:1:1")).toBe(true)
        expect(yield* jobs.enqueue({ kind: "t1", payload: { user: 1 }, dedupeKey: "unmute:1:1" })).toEqual(Option.none())
        const [claimed] = yield* jobs.claim("w1", ["t1"])
        expect(claimed?.payload).toEqual({ user: 1 })
        expect(yield* jobs.isPending("unmute:1:1")).toBe(true)
        expect(yield* jobs.enqueue({ kind: "t1", payload: {}, dedupeKey: "unmute:1:1" })).toEqual(Option.none())
        yield* jobs.complete(claimed?.id ?? -1, { ok: true })
        expect(yield* jobs.isPending("unmute:1:1")).toBe(false)
        expect(Option.isSome(yield* jobs.enqueue({ kind: "t1", payload: {}, dedupeKey: "unmute:1:1" }))).toBe(true)
        expect(yield* jobs.cancel("unmute:1:1")).toBe(1)
        expect(yield* jobs.isPending("unmute:1:1")).toBe(false)
      }))

    it.effect("claim takes due jobs oldest first, leases them, and skips jobs another worker holds", () =>
      Effect.gen(function* () {
        const jobs = yield* JobQueue
        yield* jobs.enqueue({ kind: "t2", payload: { n: 1 } })
        yield* jobs.enqueue({ kind: "t2", payload: { n: 2 } })
        yield* jobs.enqueue({ kind: "t2", payload: { n: 3 }, delay: "1 hour" })
        yield* jobs.enqueue({ kind: "other", payload: {} })
        const [a, b] = yield* Effect.all([jobs.claim("w1", ["t2"], { limit: 1 }), jobs.claim("w2", ["t2"], { limit: 5 })], { concurrency: 2 })
        const claimed = [...(a ?? []), ...(b ?? [])]
        expect(claimed.map((j) => j.payload).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual([{ n: 1 }, { n: 2 }])
        expect(claimed.every((j) => j.state === "running" && j.attempts === 1)).toBe(true)
        expect(yield* jobs.claim("w3", ["t2"])).toEqual([])
      }))

    it.effect("an expired lease makes a job claimable again; release hands leases back at once", () =>
      Effect.gen(function* () {
        const jobs = yield* JobQueue
        yield* jobs.enqueue({ kind: "t3", payload: {} })
        const [job] = yield* jobs.claim("w1", ["t3"], { lease: 0 })
        const [again] = yield* jobs.claim("w2", ["t3"])
        expect(again?.id).toBe(job?.id)
        expect(again?.attempts).toBe(2)
        yield* jobs.release("w2")
        const [third] = yield* jobs.claim("w3", ["t3"])
        expect(third?.attempts).toBe(2)
      }))

    it.effect("fail retries later until max_attempts, then the job is dead; postpone does not count an attempt", () =>
      Effect.gen(function* () {
        const jobs = yield* JobQueue
        const id = Option.getOrElse(yield* jobs.enqueue({ kind: "t4", payload: {}, maxAttempts: 2 }), () => -1)
        yield* jobs.claim("w1", ["t4"])
        yield* jobs.postpone(id, 0)
        yield* jobs.claim("w1", ["t4"])
        yield* jobs.fail(id, "503", Option.some("1 hour"))
        expect(yield* jobs.claim("w1", ["t4"])).toEqual([])
        const queued = yield* jobs.find(id)
        expect(Option.map(queued, (j) => [j.state, j.attempts, j.lastError])).toEqual(Option.some(["queued", 1, "503"]))
        yield* jobs.fail(id, "again", Option.some(0))
        yield* jobs.claim("w1", ["t4"])
        yield* jobs.fail(id, "gone", Option.some(0))
        expect(Option.map(yield* jobs.find(id), (j) => j.state)).toEqual(Option.some("dead"))
      }))

    it.effect("retryDelay walks a ladder and repeats its last step", () =>
      Effect.sync(() => {
        const ladder = ["30 seconds", "2 minutes", "10 minutes", "1 hour"] as const
        expect([1, 2, 3, 4, 9].map((n) => Duration.toSeconds(retryDelay(n, ladder)))).toEqual([30, 120, 600, 3600, 3600])
      }))
  })
