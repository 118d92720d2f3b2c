import { AppConfig, Health } from "@nezuko/core"
import { type Job, JobQueue, retryDelay } from "@nezuko/db"
import { Cause, Data, Duration, Effect, Exit, FiberSet, Layer, Metric, Option, Ref, Schedule, Schema } from "effect"

export const jobsTotal = Metric.counter("nezuko_jobs_total", { description: "Jobs run, by kind and outcome", incremental: true })
export const jobsDue = Metric.gauge("nezuko_jobs_due", { description: "Queued jobs already due, by kind" })

/** A handler's way to say "do not retry" (a malformed payload, a chat the bot left); any other failure is retried. */
export class JobFailed extends Data.TaggedError("JobFailed")<{ readonly reason: string; readonly retry: boolean }> {
  override get message() {
    return this.reason
  }
}

export interface JobInfo {
  readonly id: number
  readonly kind: string
  /** 1 on the first run. */
  readonly attempt: number
  readonly maxAttempts: number
}

export interface JobHandler {
  readonly kind: string
  readonly run: (payload: unknown, job: JobInfo) => Effect.Effect<unknown, unknown>
  /** Delays before the 2nd, 3rd … attempt; the last one repeats until max_attempts, then the job is `dead`. */
  readonly retry: ReadonlyArray<Duration.DurationInput>
}

export const defaultRetry: ReadonlyArray<Duration.DurationInput> = ["30 seconds", "2 minutes", "10 minutes", "1 hour"]

/** Which kinds this process can run. A runner claims only registered kinds, so replicas may differ. */
export class JobRegistry extends Effect.Service<JobRegistry>()("@nezuko/bot/JobRegistry", {
  sync: () => {
    const handlers = new Map<string, JobHandler>()
    return {
      register: (handler: JobHandler) => Effect.sync(() => void handlers.set(handler.kind, handler)),
      get: (kind: string) => Effect.sync(() => Option.fromNullable(handlers.get(kind))),
      kinds: Effect.sync(() => [...handlers.keys()])
    } as const
  }
}) {}

/**
 * A layer that registers the handler of one job kind: the payload is decoded with `schema` (a payload that
 * does not decode is `dead` at once), and `run`'s requirements are taken from the layer's context.
 */
export const jobHandler = <A, I, R>(
  kind: string,
  schema: Schema.Schema<A, I>,
  run: (payload: A, job: JobInfo) => Effect.Effect<unknown, unknown, R>,
  options: { readonly retry?: ReadonlyArray<Duration.DurationInput> } = {}
) =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const registry = yield* JobRegistry
      const context = yield* Effect.context<R>()
      const decode = Schema.decodeUnknown(schema)
      yield* registry.register({
        kind,
        retry: options.retry ?? defaultRetry,
        run: (payload, job) =>
          decode(payload).pipe(
            Effect.mapError((e) => new JobFailed({ reason: `payload does not decode: ${e.message}`, retry: false })),
            Effect.flatMap((decoded) => run(decoded, job)),
            Effect.provide(context)
          )
      })
    })
  )

export interface JobRunnerOptions {
  /** How often due jobs are claimed. */
  readonly pollEvery?: Duration.DurationInput
  /** Jobs run at once by this process. */
  readonly concurrency?: number
}

const lease = Duration.seconds(60)
const renewEvery = Duration.seconds(20)
const gaugeEvery = Duration.seconds(15)

type Outcome = "done" | "retry" | "dead"

/**
 * The `jobs` role (OPS-16): on a Schedule, claims due jobs of the registered kinds with FOR UPDATE SKIP LOCKED
 * and a 60 s lease (renewed while a job runs), runs them with bounded concurrency, completes them, retries
 * failures along the kind's ladder until max_attempts, then marks them `dead`. Shutdown (OPS-8): no new
 * claims, running jobs get SHUTDOWN_GRACE_SECONDS (minus a reserve), the rest are interrupted and every lease of
 * this instance is handed back at once.
 */
export const makeJobRunner = (options: JobRunnerOptions = {}) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const queue = yield* JobQueue
      const registry = yield* JobRegistry
      const config = yield* AppConfig
      const health = yield* Health
      const worker = config.instanceId
      const concurrency = options.concurrency ?? 8
      const running = yield* Ref.make(new Set<number>())
      const seenKinds = new Set<string>()

      yield* Effect.addFinalizer(() =>
        queue.release(worker).pipe(
          Effect.tap(() => Effect.logInfo("job leases handed back")),
          Effect.catchAll((e) => Effect.logWarning("could not hand back job leases; they expire within 60 s", e))
        ))
      const fibers = yield* FiberSet.make<void, never>()

      const record = (kind: string, outcome: Outcome) =>
        Metric.increment(Metric.tagged(Metric.tagged(jobsTotal, "kind", kind), "outcome", outcome))

      const settle = (job: Job, handler: JobHandler, exit: Exit.Exit<unknown, unknown>) =>
        Effect.gen(function* () {
          if (Exit.isSuccess(exit)) {
            yield* queue.complete(job.id, exit.value ?? null)
            return "done" as const
          }
          const failure = Cause.failureOption(exit.cause)
          const permanent = Option.exists(failure, (e) => e instanceof JobFailed && !e.retry)
          const reason = Option.match(failure, {
            onNone: () => Cause.pretty(exit.cause).split("\n")[0] ?? "defect",
            onSome: (e) => (e instanceof Error ? e.message : String(e))
          })
          if (permanent || job.attempts >= job.maxAttempts) {
            yield* queue.fail(job.id, reason, Option.none())
            yield* Effect.logError(`job ${job.kind} is dead after ${job.attempts} attempt(s): ${reason}`, exit.cause).pipe(
              Effect.annotateLogs("event", "job.dead")
            )
            return "dead" as const
          }
          const delay = retryDelay(job.attempts, handler.retry)
          yield* queue.fail(job.id, reason, Option.some(delay))
          yield* Effect.logWarning(`job ${job.kind} failed (attempt ${job.attempts}); retrying in ${Duration.format(delay)}: ${reason}`)
          return "retry" as const
        })

      const runJob = (job: Job) =>
        Effect.gen(function* () {
          const handler = yield* registry.get(job.kind)
          if (Option.isNone(handler)) return yield* queue.postpone(job.id, "1 minute")
          const info: JobInfo = { id: job.id, kind: job.kind, attempt: job.attempts, maxAttempts: job.maxAttempts }
          const exit = yield* Effect.exit(handler.value.run(job.payload, info))
          // Interrupted at shutdown: the lease is handed back by the finalizer, the attempt is not counted.
          if (Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
          const outcome = yield* settle(job, handler.value, exit)
          yield* record(job.kind, outcome)
        }).pipe(
          Effect.catchAll((e) => Effect.logWarning(`could not record the result of job ${job.id}; its lease will expire`, e)),
          Effect.ensuring(Ref.update(running, (s) => {
            const next = new Set(s)
            next.delete(job.id)
            return next
          })),
          Effect.withSpan("Jobs.run", { attributes: { "job.kind": job.kind, "job.id": job.id } }),
          Effect.annotateLogs({ job_id: String(job.id), job_kind: job.kind })
        )

      const claimDue = Effect.gen(function* () {
        const free = concurrency - (yield* Ref.get(running)).size
        if (free <= 0) return
        const kinds = yield* registry.kinds
        const claimed = yield* queue.claim(worker, kinds, { limit: free, lease })
        if (claimed.length === 0) return
        yield* Ref.update(running, (s) => new Set([...s, ...claimed.map((j) => j.id)]))
        for (const job of claimed) yield* FiberSet.run(fibers, runJob(job))
      }).pipe(Effect.catchAll((e) => Effect.logWarning("claiming due jobs failed", e)))

      const renewLeases = Effect.flatMap(Ref.get(running), (ids) => queue.extendLease(worker, [...ids], lease)).pipe(
        Effect.catchAll((e) => Effect.logWarning("renewing job leases failed", e))
      )

      const publishDue = Effect.gen(function* () {
        const counts = yield* queue.dueCounts
        for (const kind of seenKinds) if (!counts.some((c) => c.kind === kind)) yield* Metric.set(Metric.tagged(jobsDue, "kind", kind), 0)
        for (const { count, kind } of counts) {
          seenKinds.add(kind)
          yield* Metric.set(Metric.tagged(jobsDue, "kind", kind), count)
        }
        yield* health.setInfo("jobs", {
          running: (yield* Ref.get(running)).size,
          due: Object.fromEntries(counts.map((c) => [c.kind, c.count])),
          kinds: yield* registry.kinds
        })
      }).pipe(Effect.catchAll((e) => Effect.logDebug("could not count due jobs", e)))

      const grace = Duration.max(Duration.subtract(config.shutdownGrace, Duration.seconds(2)), Duration.seconds(1))
      yield* Effect.addFinalizer(() =>
        Effect.interruptible(FiberSet.awaitEmpty(fibers)).pipe(
          Effect.timeout(grace),
          Effect.catchAll(() => Effect.logWarning("jobs still running at shutdown are interrupted; they will run again")),
          Effect.asVoid
        ))
      yield* Effect.forkScoped(claimDue.pipe(Effect.repeat(Schedule.spaced(options.pollEvery ?? Duration.seconds(1)))))
      yield* Effect.forkScoped(renewLeases.pipe(Effect.repeat(Schedule.spaced(renewEvery))))
      yield* Effect.forkScoped(publishDue.pipe(Effect.repeat(Schedule.spaced(gaugeEvery))))
    })
  )
