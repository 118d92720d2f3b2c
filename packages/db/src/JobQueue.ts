import { SqlClient, SqlSchema } from "@effect/sql"
import { Duration, Effect, Option, Schema } from "effect"
import { dbCall } from "./dbCall.js"

export const JobState = Schema.Literal("queued", "running", "done", "failed", "dead", "cancelled")

export const Job = Schema.Struct({
  id: Schema.Number,
  kind: Schema.String,
  runAt: Schema.DateFromSelf,
  payload: Schema.Unknown,
  dedupeKey: Schema.NullOr(Schema.String),
  state: JobState,
  attempts: Schema.Number,
  maxAttempts: Schema.Number,
  lockedBy: Schema.NullOr(Schema.String),
  lastError: Schema.NullOr(Schema.String),
  createdAt: Schema.DateFromSelf
})
export type Job = typeof Job.Type

export interface NewJob {
  readonly kind: string
  readonly payload: unknown
  /** Delay before the job is due (default: due now). */
  readonly delay?: Duration.DurationInput
  /** At most one queued or running job per key (the partial unique index of DATA-13). */
  readonly dedupeKey?: string | null
  readonly maxAttempts?: number
}

/** Criteria for `cancelWhere`; `payload` matches by JSON containment (`@>`). */
export interface JobSelector {
  readonly kind?: string
  readonly dedupeKeyPrefix?: string
  readonly payload?: Readonly<Record<string, unknown>>
}

/** A job is held for this long by the worker that claimed it; an expired lease makes it claimable again. */
export const defaultLease = Duration.seconds(60)

/** The next delay of a retry ladder (e.g. LIM-6: 30 s, 2 min, 10 min, 1 h); the last step repeats. */
export const retryDelay = (attempts: number, ladder: ReadonlyArray<Duration.DurationInput>): Duration.Duration =>
  Duration.decode(ladder[Math.min(Math.max(attempts, 1), ladder.length) - 1] ?? Duration.seconds(30))

const seconds = (d: Duration.DurationInput) => Duration.toMillis(d) / 1000

/**
 * The durable job queue over `scheduled_jobs` (DATA-13, OPS-16, LIM-13): outbox entries, retries of mutes and
 * restores, timeouts. Workers claim due jobs with FOR UPDATE SKIP LOCKED, so replicas never run one job twice
 * while its lease holds.
 */
export class JobQueue extends Effect.Service<JobQueue>()("@nezuko/db/JobQueue", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const enqueue = SqlSchema.findOne({
      Request: Schema.Struct({ kind: Schema.String, payload: Schema.String, delay: Schema.Number, dedupeKey: Schema.NullOr(Schema.String), maxAttempts: Schema.Number }),
      Result: Schema.Struct({ id: Schema.Number }),
      execute: (j) => sql`
        INSERT INTO scheduled_jobs (kind, run_at, payload, dedupe_key, max_attempts)
        VALUES (${j.kind}, now() + make_interval(secs => ${j.delay}), ${j.payload}::jsonb, ${j.dedupeKey}, ${j.maxAttempts})
        ON CONFLICT (dedupe_key) WHERE state IN ('queued', 'running') DO NOTHING
        RETURNING id`
    })

    const claim = SqlSchema.findAll({
      Request: Schema.Struct({ worker: Schema.String, kinds: Schema.Array(Schema.String), limit: Schema.Number, lease: Schema.Number }),
      Result: Job,
      execute: (r) => sql`
        UPDATE scheduled_jobs SET
          state = 'running', attempts = attempts + 1, locked_by = ${r.worker},
          locked_until = now() + make_interval(secs => ${r.lease}), updated_at = now()
        WHERE id IN (
          SELECT id FROM scheduled_jobs
          WHERE kind IN ${sql.in(r.kinds)}
            AND ((state = 'queued' AND run_at <= now()) OR (state = 'running' AND locked_until < now()))
          ORDER BY run_at, id
          LIMIT ${r.limit}
          FOR UPDATE SKIP LOCKED)
        RETURNING id, kind, run_at, payload, dedupe_key, state, attempts, max_attempts, locked_by, last_error, created_at`
    })

    const find = SqlSchema.findOne({
      Request: Schema.Number,
      Result: Job,
      execute: (id) => sql`
        SELECT id, kind, run_at, payload, dedupe_key, state, attempts, max_attempts, locked_by, last_error, created_at
        FROM scheduled_jobs WHERE id = ${id}`
    })

    return {
      /** None when a queued or running job already holds the dedupe key. */
      enqueue: (job: NewJob) =>
        dbCall(Effect.map(
          enqueue({
            kind: job.kind,
            payload: JSON.stringify(job.payload ?? {}),
            delay: seconds(job.delay ?? 0),
            dedupeKey: job.dedupeKey ?? null,
            maxAttempts: job.maxAttempts ?? 5
          }),
          Option.map((row) => row.id)
        )),
      /** Due jobs of these kinds, oldest first, leased to `worker`. */
      claim: (worker: string, kinds: ReadonlyArray<string>, options: { readonly limit?: number; readonly lease?: Duration.DurationInput } = {}) =>
        kinds.length === 0
          ? Effect.succeed([])
          : dbCall(Effect.map(
            claim({ worker, kinds, limit: options.limit ?? 20, lease: seconds(options.lease ?? defaultLease) }),
            (jobs) => [...jobs].sort((a, b) => a.runAt.getTime() - b.runAt.getTime() || a.id - b.id)
          )),
      complete: (id: number, result: unknown = null) =>
        dbCall(sql`
          UPDATE scheduled_jobs SET state = 'done', result = ${JSON.stringify(result)}::jsonb,
            locked_by = NULL, locked_until = NULL, updated_at = now()
          WHERE id = ${id}`.pipe(Effect.asVoid)),
      /** Back to the queue after `retryIn`, or `dead` when attempts are used up or no retry is wanted. */
      fail: (id: number, error: string, retryIn: Option.Option<Duration.DurationInput>) =>
        dbCall(sql`
          UPDATE scheduled_jobs SET
            state = CASE WHEN ${Option.isSome(retryIn)} AND attempts < max_attempts THEN 'queued' ELSE 'dead' END,
            run_at = now() + make_interval(secs => ${Option.match(retryIn, { onNone: () => 0, onSome: seconds })}),
            last_error = ${error}, locked_by = NULL, locked_until = NULL, updated_at = now()
          WHERE id = ${id}`.pipe(Effect.asVoid)),
      /** Returns a claimed job without counting the attempt (e.g. the dependency is still down). */
      postpone: (id: number, delay: Duration.DurationInput) =>
        dbCall(sql`
          UPDATE scheduled_jobs SET state = 'queued', attempts = greatest(attempts - 1, 0),
            run_at = now() + make_interval(secs => ${seconds(delay)}), locked_by = NULL, locked_until = NULL, updated_at = now()
          WHERE id = ${id} AND state = 'running'`.pipe(Effect.asVoid)),
      /** Brings the queued job holding `dedupeKey` forward to now + `delay` if it is due later. */
      advance: (dedupeKey: string, delay: Duration.DurationInput = 0) =>
        dbCall(sql`
          UPDATE scheduled_jobs SET run_at = now() + make_interval(secs => ${seconds(delay)}), updated_at = now()
          WHERE dedupe_key = ${dedupeKey} AND state = 'queued' AND run_at > now() + make_interval(secs => ${seconds(delay)})`.pipe(Effect.asVoid)),
      /** Whether a queued or running job holds `dedupeKey`. */
      isPending: (dedupeKey: string) =>
        dbCall(Effect.map(
          sql<{ readonly pending: boolean }>`
            SELECT EXISTS (SELECT 1 FROM scheduled_jobs WHERE dedupe_key = ${dedupeKey} AND state IN ('queued', 'running')) AS pending`,
          (rows) => rows[0]?.pending === true
        )),
      cancel: (dedupeKey: string) =>
        dbCall(Effect.map(
          sql<{ id: number }>`
            UPDATE scheduled_jobs SET state = 'cancelled', locked_by = NULL, locked_until = NULL, updated_at = now()
            WHERE dedupe_key = ${dedupeKey} AND state IN ('queued', 'running') RETURNING id`,
          (rows) => rows.length
        )),
      /**
       * Cancels queued and running jobs matching every given criterion (e.g. a group's pending timeouts:
       * `{ kind: "timeout", payload: { group_id } }`); with no criterion nothing is cancelled.
       */
      cancelWhere: (selector: JobSelector) =>
        selector.kind === undefined && selector.dedupeKeyPrefix === undefined && selector.payload === undefined
          ? Effect.succeed(0)
          : dbCall(Effect.map(
            sql<{ id: number }>`
              UPDATE scheduled_jobs SET state = 'cancelled', locked_by = NULL, locked_until = NULL, updated_at = now()
              WHERE state IN ('queued', 'running')
                AND (${selector.kind ?? null}::text IS NULL OR kind = ${selector.kind ?? null})
                AND (${selector.dedupeKeyPrefix ?? null}::text IS NULL
                     OR left(dedupe_key, length(${selector.dedupeKeyPrefix ?? ""})) = ${selector.dedupeKeyPrefix ?? ""})
                AND (${selector.payload === undefined ? null : JSON.stringify(selector.payload)}::jsonb IS NULL
                     OR payload @> ${selector.payload === undefined ? null : JSON.stringify(selector.payload)}::jsonb)
              RETURNING id`,
            (rows) => rows.length
          )),
      /** Keeps a long job's lease (a worker extends it while the job runs). */
      extendLease: (worker: string, ids: ReadonlyArray<number>, lease: Duration.DurationInput = defaultLease) =>
        ids.length === 0
          ? Effect.void
          : dbCall(sql`
            UPDATE scheduled_jobs SET locked_until = now() + make_interval(secs => ${seconds(lease)}), updated_at = now()
            WHERE id IN ${sql.in(ids)} AND locked_by = ${worker} AND state = 'running'`.pipe(Effect.asVoid)),
      /** Queued jobs already due, per kind (the `nezuko_jobs_due` gauge, OPS-5). */
      dueCounts: dbCall(sql<{ kind: string; count: number }>`
        SELECT kind, count(*)::int AS count FROM scheduled_jobs
        WHERE state = 'queued' AND run_at <= now() GROUP BY kind`),
      /** Shutdown (OPS-8): hand this worker's leases back at once instead of waiting for them to expire. */
      release: (worker: string) =>
        dbCall(sql`
          UPDATE scheduled_jobs SET state = 'queued', attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_until = NULL, updated_at = now()
          WHERE locked_by = ${worker} AND state = 'running'`.pipe(Effect.asVoid)),
      find: (id: number) => dbCall(find(id))
    } as const
  })
}) {}
