import { AppConfig, CircuitBreakers, Health, TelegramApi, type TelegramError, VerificationLog } from "@nezuko/core"
import { Cause, Deferred, Duration, Effect, Fiber, Layer, Option, Ref, Schedule } from "effect"
import { holdAdvisoryLock } from "./AdvisoryLock.js"
import { BotRuntime } from "./BotRuntime.js"
import { AllowedUpdates, inspectUpdate, sequenceKey } from "./Updates.js"

/*
 * Long polling is our own loop rather than @grammyjs/runner (OPS-9). The runner's source confirms an offset as
 * soon as it has *fetched* a batch (the next getUpdates carries offset = last id + 1 while the sink is still
 * working), so a crash loses every update that was fetched but not yet handled. Here the next offset is sent
 * only after every update of the batch was handled, its verification-log rows flushed and its `upd:` marks
 * (BOT-3) written, in that order: a crash or a kill at any point makes Telegram deliver the unconfirmed
 * updates again; the marks skip them only when the batch was in fact finished, so a decision is never
 * skipped on redelivery while its row was still in memory.
 */

export const pollerLockName = "nezuko-poller"
export const maxInFlight = 64
export const batchLimit = 100
/**
 * OPS-9's long poll. TelegramApi bounds getUpdates by this plus 5 s (LIM-7: 35 s), so an idle poll is never cut
 * off as a transient failure. Shutdown does not wait for it: the fetch is raced with `stop` (untilStopped) and
 * an unanswered poll confirms nothing, so SIGTERM still exits within SHUTDOWN_GRACE_SECONDS (OPS-8).
 */
export const longPollSeconds = 30
const conflictBackoff = Duration.seconds(30)
/** Within the 2 s the shutdown keeps back from the handlers' grace for the flush and the lock release. */
const markOnShutdown = Duration.seconds(1)
const errorBackoff = Schedule.exponential("500 millis").pipe(Schedule.union(Schedule.spaced("5 seconds")))
/** 1 s, 2 s, 4 s … 30 s after consecutive getUpdates failures. */
const errorDelay = (failures: number) => Duration.seconds(Math.min(30, 2 ** Math.min(Math.max(failures - 1, 0), 5)))

/**
 * Handles a batch with at most `limit` updates in flight, sequential per (chat, user) key — grammY runner's
 * `sequentialize` semantics: an update starts only after the earlier updates with its key have finished.
 * A fiber per update, awaited rather than joined: `Effect.forEach`'s concurrent mode joins every child,
 * merging its FiberRefs (log annotations, the services' Context) back into the batch's fiber one by one, which
 * the bot benchmark's profile showed among the intake's largest costs, and nothing here needs them back.
 * A permit is taken, then released when the update ends, rather than `withPermits`, whose mask and nested
 * regions cost more (the bot benchmark's counted intake: 96 → 89 operations per update): a fiber interrupted
 * between the two steps would keep its permit, and that only happens at shutdown, when the batch and its
 * semaphore go.
 */
export const handleBatch = <R>(
  updates: ReadonlyArray<unknown>,
  process: (update: unknown) => Effect.Effect<unknown, never, R>,
  limit = maxInFlight
) =>
  Effect.gen(function* () {
    const permits = yield* Effect.makeSemaphore(limit)
    const tails = new Map<string, Fiber.RuntimeFiber<unknown>>()
    const fibers: Array<Fiber.RuntimeFiber<unknown>> = []
    for (const update of updates) {
      const key = sequenceKey(inspectUpdate(update))
      const previous = Option.flatMap(key, (k) => Option.fromNullable(tails.get(k)))
      const fiber = yield* Effect.fork(
        Option.match(previous, { onNone: () => Effect.void, onSome: Fiber.await }).pipe(
          Effect.zipRight(permits.take(1)),
          Effect.zipRight(Effect.ensuring(process(update), permits.release(1)))
        )
      )
      if (Option.isSome(key)) tails.set(key.value, fiber)
      fibers.push(fiber)
    }
    // Interrupted (shutdown): the updates stop before whoever interrupted goes on (flush, marks, exit).
    yield* Fiber.awaitAll(fibers).pipe(Effect.onInterrupt(() => Fiber.interruptAll(fibers)))
  })

const updateIdOf = (update: unknown) => inspectUpdate(update).updateId

const isConflict = (e: TelegramError) => e._tag === "TelegramPermanent" && e.errorCode === 409

/**
 * The polling intake (OPS-9): one poller per token across replicas (advisory lock `nezuko-poller`, standbys
 * retry every 10 s); getUpdates → the batch, ≤ 64 in flight, sequential per (chat, user) → VerificationLog
 * flush → only then the next offset. Never drops pending updates. While the postgres breaker is open it stops
 * fetching and resumes in order afterwards (LIM-13). Shutdown (OPS-8): no further fetch, the current batch
 * gets SHUTDOWN_GRACE_SECONDS (minus a reserve for the flush and lock release), then whatever is unfinished
 * is interrupted and stays unconfirmed.
 */
export const PollingLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const { batchProcessor } = yield* BotRuntime
    const telegram = yield* TelegramApi
    const config = yield* AppConfig
    const health = yield* Health
    const vlog = yield* VerificationLog
    const breakers = yield* CircuitBreakers
    const stop = yield* Deferred.make<void>()
    const problem = yield* Ref.make(Option.none<string>())
    const offset = yield* Ref.make<number | undefined>(undefined)

    yield* health.starting("intake")
    yield* health.setMode("polling")
    yield* health.addProbe(
      "polling",
      Effect.map(Ref.get(problem), (p) => Option.match(p, { onNone: () => ({ status: "up" as const }), onSome: (error) => ({ status: "down" as const, error }) })),
      { critical: false }
    )
    const lock = yield* holdAdvisoryLock(pollerLockName, { local: config.embeddedDatabase })

    const untilStopped = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.raceFirst(Effect.asSome(effect), Effect.as(Deferred.await(stop), Option.none<A>()))

    const publish = (role: "poller" | "standby") =>
      Effect.flatMap(Ref.get(offset), (o) => health.setInfo("intake", { mode: "polling", role, offset: o ?? null, lock: pollerLockName }))

    // The Bot API refuses getUpdates while a webhook is set; switching modes must not drop what is pending (BOT-1).
    const leaveWebhookMode = Effect.gen(function* () {
      const info = yield* telegram.getWebhookInfo()
      if (info.url === "") return
      yield* Effect.logInfo("a webhook is set; removing it (pending updates kept) to poll instead")
      yield* telegram.deleteWebhook({ drop_pending_updates: false })
    })

    // Every query of the process feeds this breaker (PostgresBreakerLive in BotLive); its probe closes it again.
    const postgresOpen = Effect.map(breakers.state("postgres"), (s) => s._tag === "open")
    const waitForDatabase = Effect.gen(function* () {
      if (!(yield* postgresOpen)) return
      yield* Effect.logWarning("database unavailable: not fetching updates until it is back (LIM-13)")
      yield* postgresOpen.pipe(Effect.repeat({ schedule: Schedule.spaced("1 second"), while: (open) => open }))
    })

    // Updates handled → their decisions durable → only then is the offset confirmed (OPS-9, LIM-13).
    const flushUntilWritten = vlog.flush.pipe(
      Effect.tapError((e) => Effect.logWarning("holding the offset until the verification log is written", e)),
      Effect.retry(errorBackoff)
    )

    const getUpdates = (params: { offset?: number; limit: number; timeout: number }) =>
      telegram.call("getUpdates", { ...params, allowed_updates: AllowedUpdates })

    const failures = yield* Ref.make(0)
    const pause = (delay: Duration.Duration) => Effect.asVoid(untilStopped(Effect.sleep(delay)))

    // A poller's first request does not wait: it answers at once whether Telegram is reachable (readiness) and
    // what is pending; only then does the 30 s long poll start. Otherwise a quiet bot would report "starting"
    // for up to 30 s after every start or failover.
    const warm = yield* Ref.make(false)

    const pollOnce = Effect.gen(function* () {
      const from = yield* Ref.get(offset)
      // While the telegram breaker is not closed this poll may be its half-open trial, and a 30 s long poll
      // would hold the trial, turning every other call away (the outbox replay, restrict_retry) until it returns.
      const closed = (yield* breakers.state("telegram"))._tag === "closed"
      const timeout = (yield* Ref.get(warm)) && closed ? longPollSeconds : 0
      const fetched = yield* untilStopped(
        getUpdates({ ...(from === undefined ? {} : { offset: from }), limit: batchLimit, timeout })
      ).pipe(Effect.either)
      if (fetched._tag === "Left") {
        const error = fetched.left
        if (isConflict(error)) {
          yield* Ref.set(problem, Option.some("409 Conflict: another getUpdates or a webhook is active for this token"))
          yield* Effect.logError("getUpdates answered 409 Conflict: another process polls this token; backing off 30 s").pipe(
            Effect.annotateLogs("event", "polling.conflict")
          )
          return yield* pause(conflictBackoff)
        }
        const n = yield* Ref.updateAndGet(failures, (k) => k + 1)
        yield* Effect.logWarning("getUpdates failed; retrying", error).pipe(Effect.annotateLogs("event", "polling.error"))
        return yield* pause(errorDelay(n))
      }
      if (Option.isNone(fetched.right)) return
      const updates = fetched.right.value
      yield* Ref.set(failures, 0)
      yield* Ref.set(problem, Option.none())
      yield* Ref.set(warm, true)
      yield* health.ready("intake")
      if (updates.length === 0) return
      // Not raced with `stop`: a started batch finishes (or the shutdown grace interrupts it, unconfirmed).
      const batch = yield* batchProcessor(updates)
      yield* handleBatch(updates, batch.process).pipe(
        // A shutdown that cuts the batch short (OPS-8) still marks what finished, once its rows are written,
        // so that a restart redoes only the rest.
        Effect.onInterrupt(() => vlog.flush.pipe(Effect.zipRight(batch.markHandled), Effect.timeout(markOnShutdown), Effect.ignore))
      )
      yield* flushUntilWritten
      yield* batch.markHandled
      const last = Math.max(...updates.map((u) => updateIdOf(u) ?? -1))
      if (last >= 0) yield* Ref.set(offset, last + 1)
    })

    const loop = Effect.gen(function* () {
      let webhookChecked = false
      while (!(yield* Deferred.isDone(stop))) {
        if (!(yield* lock.isHeld)) {
          webhookChecked = false
          yield* Ref.set(warm, false)
          yield* publish("standby")
          yield* health.ready("intake")
          yield* untilStopped(lock.awaitHeld)
          continue
        }
        yield* publish("poller")
        yield* untilStopped(waitForDatabase)
        if (!webhookChecked) {
          const left = yield* untilStopped(leaveWebhookMode).pipe(Effect.either)
          if (left._tag === "Left") {
            yield* Effect.logWarning("could not check for a webhook before polling", left.left)
            yield* pause(errorDelay(yield* Ref.updateAndGet(failures, (k) => k + 1)))
            continue
          }
          webhookChecked = true
        }
        // A defect (a bug in a flush, say) must not end polling: log it, keep the offset, try again later.
        yield* pollOnce.pipe(
          Effect.catchAllCause((cause) =>
            Cause.isInterruptedOnly(cause)
              ? Effect.failCause(cause)
              : Effect.logError("polling step failed; the offset is kept", cause).pipe(
                Effect.zipRight(Ref.updateAndGet(failures, (k) => k + 1)),
                Effect.flatMap((n) => pause(errorDelay(n)))
              ))
        )
      }
    })

    const poller = yield* Effect.forkScoped(loop)
    const handlersGrace = Duration.max(Duration.subtract(config.shutdownGrace, Duration.seconds(2)), Duration.seconds(1))
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        yield* Deferred.succeed(stop, undefined)
        // Finalizers are uninterruptible; the waits inside must not be, or their timeouts could never fire.
        const finished = yield* Effect.interruptible(poller.await).pipe(Effect.timeout(handlersGrace), Effect.option)
        if (Option.isNone(finished)) {
          yield* Effect.logWarning("in-flight updates did not finish within the grace period; they stay unconfirmed").pipe(
            Effect.annotateLogs("event", "polling.shutdown_timeout")
          )
          return
        }
        // Confirm the last handled batch so a restart does not see it again (it would be skipped anyway).
        const last = yield* Ref.get(offset)
        if (last !== undefined && (yield* lock.isHeld)) {
          yield* Effect.interruptible(getUpdates({ offset: last, limit: 1, timeout: 0 })).pipe(Effect.timeout("2 seconds"), Effect.ignore)
        }
      }))
  })
)
