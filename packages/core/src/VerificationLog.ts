import { VerificationLogRepo } from "@nezuko/db"
import type { VerificationDecision } from "@nezuko/domain"
import { Effect, Metric, Queue } from "effect"
import { type MetricInput, taggedBy, unsafeUpdateMetrics } from "./Metrics.js"

export const vlogBuffered = Metric.gauge("nezuko_vlog_buffered", { description: "Decisions waiting to be written" })
export const vlogDropped = Metric.counter("nezuko_vlog_dropped_total", { description: "Decisions lost because the buffer was full", incremental: true })
export const decisionsTotal = Metric.counter("nezuko_decisions_total", { description: "Decisions by trigger and outcome", incremental: true })
const decisionsBy = taggedBy(decisionsTotal, "trigger", "decision")

const flushAt = 50
const capacity = 10_000

/**
 * Every decision is written to the verification log (BOT-51), in batches (DATA-21): at 50 rows or every 5 s,
 * whichever comes first. A failed flush keeps the rows (LIM-13), up to 10 000; beyond that the oldest are
 * dropped and counted. Closing the layer flushes what is left (OPS-8).
 */
export class VerificationLog extends Effect.Service<VerificationLog>()("@nezuko/core/VerificationLog", {
  scoped: Effect.gen(function* () {
    const repo = yield* VerificationLogRepo
    // A plain array, appended in place: every decision lands here, and an immutable Ref copied the whole buffer
    // on each append (quadratic while a flush is slow). Only synchronous code touches it, so no append is lost.
    let buffer: Array<VerificationDecision> = []
    const lock = yield* Effect.makeSemaphore(1)
    const full = yield* Queue.sliding<void>(1)

    const flush = lock.withPermits(1)(Effect.gen(function* () {
      const rows = buffer
      buffer = []
      if (rows.length === 0) return
      yield* repo.insertMany(rows).pipe(
        Effect.tapError(() => Effect.sync(() => {
          buffer = [...rows, ...buffer].slice(-capacity)
        })),
        Effect.tapError((e) => Effect.logWarning(`verification log flush failed; ${rows.length} rows kept`, e))
      )
      yield* Metric.set(vlogBuffered, buffer.length)
    })).pipe(Effect.withSpan("VerificationLog.flush"))

    const record = (decision: VerificationDecision) =>
      Effect.withFiberRuntime<void>((fiber) => {
        const dropped = buffer.length >= capacity
        if (dropped) buffer.shift()
        buffer.push(decision)
        const size = buffer.length
        const updates: Array<MetricInput> = [[decisionsBy(decision.trigger, decision.decision), 1], [vlogBuffered, size]]
        if (dropped) updates.push([vlogDropped, 1])
        unsafeUpdateMetrics(fiber, updates)
        // The writer fiber flushes; a handler never waits for the insert (it would be the tail of its latency).
        return size >= flushAt ? Queue.offer(full, undefined) : Effect.void
      })

    // Flush when 50 rows are waiting or 5 s have passed, whichever comes first.
    yield* Effect.forkScoped(
      Effect.raceFirst(Queue.take(full), Effect.sleep("5 seconds")).pipe(Effect.zipRight(Effect.ignore(flush)), Effect.forever)
    )
    yield* Effect.addFinalizer(() => Effect.ignore(flush))
    return {
      record,
      /** Writes everything buffered now; handlers call it before an update counts as handled (OPS-9). */
      flush,
      buffered: Effect.sync(() => buffer.length)
    } as const
  }),
  dependencies: [VerificationLogRepo.Default]
}) {}
