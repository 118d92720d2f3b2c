import { SqlClient, type SqlConnection } from "@effect/sql"
import { Duration, Effect, Exit, Option, Ref, Schedule, Scope, Stream, SubscriptionRef } from "effect"

export interface AdvisoryLock {
  readonly name: string
  readonly isHeld: Effect.Effect<boolean>
  /** Waits until this replica holds the lock (at once if it does). */
  readonly awaitHeld: Effect.Effect<void>
  /** Every change of ownership, starting with the current state. */
  readonly changes: Stream.Stream<boolean>
}

interface Holding {
  readonly scope: Scope.CloseableScope
  readonly connection: SqlConnection.Connection
}

export interface AdvisoryLockOptions {
  /** How often a standby tries again and the holder checks its connection (OPS-9: 10 s). */
  readonly retryEvery?: Duration.DurationInput
  /**
   * Embedded PGlite (OPS-13) is one process with a pool of one connection: reserving it would starve every
   * other query, and no other replica can exist, so the lock is simply held.
   */
  readonly local?: boolean
}

/**
 * Holds the session-level Postgres advisory lock `name` on a dedicated connection (`sql.reserve`) for as long
 * as the scope lives (OPS-9, OPS-12). A standby retries every `retryEvery`. The holder checks its connection
 * just as often: a broken connection means Postgres has already released the lock, so it steps down at once.
 * Closing the scope unlocks before the connection goes back to the pool — a pooled connection that still
 * held the lock would keep it for the next borrower.
 */
export const holdAdvisoryLock = (name: string, options: AdvisoryLockOptions = {}) =>
  Effect.gen(function* () {
    const held = yield* SubscriptionRef.make(options.local === true)
    const view: AdvisoryLock = {
      name,
      isHeld: SubscriptionRef.get(held),
      awaitHeld: held.changes.pipe(Stream.filter((h) => h), Stream.runHead, Effect.asVoid),
      changes: held.changes
    }
    if (options.local === true) return view

    const sql = yield* SqlClient.SqlClient
    const holding = yield* Ref.make(Option.none<Holding>())
    const query = (connection: SqlConnection.Connection, text: string) => connection.execute(text, [name], undefined)

    const stepDown = (reason: string) =>
      Effect.gen(function* () {
        const current = yield* Ref.getAndSet(holding, Option.none())
        if (Option.isSome(current)) yield* Scope.close(current.value.scope, Exit.void)
        if (yield* SubscriptionRef.get(held)) {
          yield* SubscriptionRef.set(held, false)
          yield* Effect.logWarning(`lost the ${name} lock: ${reason}`).pipe(Effect.annotateLogs({ event: "lock.lost", lock: name }))
        }
      })

    const tryAcquire = Effect.gen(function* () {
      const scope = yield* Scope.make()
      const acquired = yield* Effect.gen(function* () {
        const connection = yield* Scope.extend(sql.reserve, scope)
        const rows = yield* query(connection, "SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked")
        return rows[0]?.locked === true ? Option.some({ scope, connection }) : Option.none()
      }).pipe(Effect.onExit((exit) => (Exit.isSuccess(exit) && Option.isSome(exit.value) ? Effect.void : Scope.close(scope, Exit.void))))
      if (Option.isSome(acquired)) {
        yield* Ref.set(holding, acquired)
        yield* SubscriptionRef.set(held, true)
        yield* Effect.logInfo(`holding the ${name} lock`).pipe(Effect.annotateLogs({ event: "lock.acquired", lock: name }))
      }
    })

    const check = Effect.gen(function* () {
      const current = yield* Ref.get(holding)
      if (Option.isNone(current)) return yield* tryAcquire
      yield* query(current.value.connection, "SELECT 1 WHERE $1::text IS NOT NULL").pipe(
        Effect.catchAll((e) => stepDown(`connection check failed: ${e.message}`))
      )
    }).pipe(Effect.catchAll((e) => Effect.logDebug(`could not take the ${name} lock: ${e.message}`)))

    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        const current = yield* Ref.getAndSet(holding, Option.none())
        if (Option.isNone(current)) return
        yield* query(current.value.connection, "SELECT pg_advisory_unlock(hashtextextended($1, 0))").pipe(Effect.ignore)
        yield* Scope.close(current.value.scope, Exit.void)
        yield* SubscriptionRef.set(held, false)
        yield* Effect.logInfo(`released the ${name} lock`).pipe(Effect.annotateLogs({ event: "lock.released", lock: name }))
      }))
    yield* Effect.forkScoped(check.pipe(Effect.repeat(Schedule.spaced(options.retryEvery ?? Duration.seconds(10)))))
    return view
  })
