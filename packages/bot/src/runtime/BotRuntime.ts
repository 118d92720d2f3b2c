import { SqlClient } from "@effect/sql"
import { AppConfig, KeyValueStore, taggedBy, updateMetrics } from "@nezuko/core"
import {
  Cause,
  Clock,
  Context,
  Duration,
  Effect,
  Either,
  Exit,
  Fiber,
  FiberRef,
  FiberSet,
  HashMap,
  Layer,
  Metric,
  MetricBoundaries,
  Option,
  Redacted,
  Ref,
  Runtime,
  Schedule,
  Tracer
} from "effect"
import { Bot, BotError, type Transformer } from "grammy"
import type { Update } from "grammy/types"
import { BotIdentity } from "../BotIdentity.js"
import { type Feature, isDatabaseOutage, isDatabaseOutageError, type RunEffect } from "./Feature.js"
import { inspectUpdate, type UpdateInfo } from "./Updates.js"

export const updatesTotal = Metric.counter("nezuko_updates_total", { description: "Updates received, by type", incremental: true })
export const updateDuration = Metric.histogram(
  "nezuko_update_duration_seconds",
  MetricBoundaries.fromIterable([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
  "Time from receiving an update to the end of its handling"
)
const updatesBy = taggedBy(updatesTotal, "type")
const durationBy = taggedBy(updateDuration, "type")

/**
 * `handled`: the features ran to completion; `failed`: a handler failed or died — logged, and still
 * acknowledged (a bug does not get better by redelivery); the others were never given to the features.
 */
export type UpdateOutcome = "handled" | "failed" | "duplicate" | "malformed" | "not_requested"

export interface BotRuntimeShape {
  readonly bot: Bot
  /**
   * Handles one update end to end (BOT-3): skips it when `upd:{id}` is set, runs the features with the
   * update's correlation id, then sets `upd:{id}` for 24 h. Never fails: it only ends by interruption (at
   * shutdown), and then the update was not handled and must not be acknowledged.
   */
  readonly processUpdate: (update: unknown) => Effect.Effect<UpdateOutcome>
  /**
   * `processUpdate` for one fetched batch, with the batch's `upd:` keys read and written once each: an MGET
   * before (updates it found are still looked up one by one, and if it fails every update is) and, from
   * `markHandled`, one pipelined write of every id handled in the batch after it.
   */
  readonly batchProcessor: (updates: ReadonlyArray<unknown>) => Effect.Effect<BatchProcessor>
}

export interface BatchProcessor {
  /** Each update on a fiber of its own that does nothing after it (handleBatch forks one per update). */
  readonly process: (update: unknown) => Effect.Effect<UpdateOutcome>
  /**
   * Sets `upd:{id}` for every update `process` handled. The poller calls it once the batch's decisions are
   * durable and before it confirms the offset, so a crash before that point has the whole batch delivered and
   * handled again (BOT-3's other guards make that harmless) rather than marks for updates whose decision rows
   * were still in memory. Never fails: a Redis error is logged, like `processUpdate`'s own write.
   */
  readonly markHandled: Effect.Effect<void>
}

/** Which updates were handled before, and recording that one was (BOT-3's `upd:`). */
interface Ledger {
  readonly seen: (updateId: number) => Effect.Effect<boolean>
  readonly done: (updateId: number) => Effect.Effect<void>
}

export class BotRuntime extends Context.Tag("@nezuko/bot/BotRuntime")<BotRuntime, BotRuntimeShape>() {}

export const dedupeTtl = Duration.hours(24)
export const dedupeKey = (updateId: number) => `upd:${updateId}`

interface Job<R> {
  readonly effect: Effect.Effect<unknown, unknown, R>
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
}

/** One update while grammY dispatches it: the handler effects its features hand to `run`, in order. */
interface UpdateScope<R> {
  readonly annotations: Record<string, string>
  readonly span: Tracer.AnySpan
  readonly jobs: Array<Job<R>>
  /** Resumes the update's fiber when it waits for the next job or for grammY to finish. */
  wake: (() => void) | undefined
  /** False once the update's fiber stopped taking jobs (finished or interrupted). */
  open: boolean
}

export const annotationsOf = (info: UpdateInfo): Record<string, string> => {
  const out: Record<string, string> = {}
  if (info.updateId !== undefined) {
    out.correlation_id = `upd-${info.updateId}`
    out.update_id = String(info.updateId)
  }
  if (info._tag === "Valid") {
    if (info.chatId !== undefined) out.chat_id = String(info.chatId)
    if (info.userId !== undefined) out.user_id = String(info.userId)
  }
  return out
}

/** The correlation id of the update being handled (`upd-<update_id>`), for verification-log rows (BOT-3). */
export const currentCorrelationId: Effect.Effect<Option.Option<string>> = Effect.map(
  FiberRef.get(FiberRef.currentLogAnnotations),
  (annotations) => Option.flatMap(HashMap.get(annotations, "correlation_id"), (v) => (typeof v === "string" ? Option.some(v) : Option.none()))
)

// ARCH-7: every Bot API call goes through TelegramApi. ctx.api shares bot.api's transformers, so this turns a
// stray `ctx.reply` into a loud error instead of an unthrottled call.
const forbidApi: Transformer = (_prev, method) =>
  Promise.reject(new Error(`ctx.api.${method} bypasses TelegramApi (SPEC ARCH-7); call TelegramApi instead`))

const isInterruption = (error: unknown) =>
  Cause.isInterruptedException(error) || (Runtime.isFiberFailure(error) && Cause.isInterruptedOnly(error[Runtime.FiberFailureCauseId]))

// `run` rejects with the squashed cause: the error itself.
const isOutage = (error: unknown) =>
  isDatabaseOutageError(error) || (Runtime.isFiberFailure(error) && isDatabaseOutage(error[Runtime.FiberFailureCauseId]))

/**
 * The grammY bot and `processUpdate` over `features`, installed in order, then an "unhandled" fallback.
 * A handler's effect runs on the fiber handling its update (see `run`), so interrupting that fiber at
 * shutdown stops it, and such updates count as not handled.
 */
export const makeBotLayer = <R>(features: ReadonlyArray<Feature<R>>) =>
  Layer.scoped(
    BotRuntime,
    Effect.gen(function* () {
      const config = yield* AppConfig
      const me = yield* BotIdentity
      const store = yield* KeyValueStore
      const runInSet = yield* FiberSet.makeRuntimePromise<R>()
      const sql = yield* Effect.serviceOption(SqlClient.SqlClient)
      const waitForDatabase = Option.match(sql, {
        onNone: () => Effect.sleep("1 second"),
        // Retried forever, so orDie never fires; the type just cannot know that.
        onSome: (sql) => sql`SELECT 1`.pipe(Effect.timeout("2 seconds"), Effect.retry(Schedule.spaced("1 second")), Effect.orDie, Effect.asVoid)
      })
      const runtime = yield* Effect.runtime<never>()
      // Registered after the FiberSet, so it runs before the set interrupts its fibers.
      const closing = yield* Ref.make(false)
      yield* Effect.addFinalizer(() => Ref.set(closing, true))

      // The features' services, without whatever span the layer was built under: a job keeps its update's span.
      const services = Context.omit(Tracer.ParentSpan)(yield* Effect.context<R>()) as Context.Context<R>

      // Which update a handler works for, by the update object grammY hands to every middleware as ctx.update.
      // An AsyncLocalStorage did this without `ctx`, but on Node 20 it turns on promise hooks for every promise
      // in the process (grammY's middleware chain, ioredis, pg, http), a cost the bot benchmark's profile showed.
      const scopes = new WeakMap<object, UpdateScope<R>>()

      // A handler's effect is queued for the fiber that is already handling its update, which runs it with its
      // own log annotations and span. A fiber per handler (FiberSet's runtime promise) cost about an eighth of
      // the intake's CPU in the bot benchmark's profile (`BENCH_BOT_PROFILE=floor`). Outside processUpdate
      // (someone driving grammY's own loop) or once the update's fiber has stopped, a handler still gets a
      // fiber of its own in this layer's scope.
      const run: RunEffect<R> = (ctx, effect) => {
        const scope = scopes.get(ctx.update)
        if (scope?.open === true) {
          return new Promise((resolve, reject) => {
            scope.jobs.push({ effect, resolve: resolve as (value: unknown) => void, reject })
            scope.wake?.()
          })
        }
        if (scope === undefined) return runInSet(effect)
        const annotated = Effect.annotateLogs(effect, scope.annotations)
        return runInSet(Effect.withParentSpan(annotated, scope.span))
      }

      /**
       * grammY's dispatch of one update, with the jobs its handlers queue run here in order, until grammY is
       * done. A job settles its handler's promise as FiberSet's runtime promise would: the value, or the
       * squashed cause. Left: the error grammY's dispatch ended with.
       */
      const dispatch = (update: Update, annotations: Record<string, string>, span: Tracer.AnySpan) =>
        Effect.suspend(() => {
          const scope: UpdateScope<R> = { annotations, span, jobs: [], wake: undefined, open: true }
          scopes.set(update, scope)
          let ended: Either.Either<void, unknown> | undefined
          const end = (result: Either.Either<void, unknown>) => {
            ended = result
            scope.wake?.()
          }
          bot.handleUpdate(update).then(
            () => end(Either.void),
            (error: unknown) => end(Either.left(error instanceof BotError ? error.error : error))
          )
          const waitForWork = Effect.async<void>((resume) => {
            scope.wake = () => {
              scope.wake = undefined
              resume(Effect.void)
            }
          })
          let running: Job<R> | undefined
          const next: Effect.Effect<Either.Either<void, unknown>, never, R> = Effect.suspend(() => {
            const job = scope.jobs.shift()
            if (job !== undefined) {
              running = job
              return Effect.flatMap(Effect.exit(job.effect), (exit) => {
                running = undefined
                if (Exit.isSuccess(exit)) job.resolve(exit.value)
                else job.reject(Cause.squash(exit.cause))
                return next
              })
            }
            if (ended !== undefined) return Effect.succeed(ended)
            return Effect.zipRight(waitForWork, next)
          })
          return next.pipe(
            // Interrupted (shutdown): the handlers still waiting are told so, as a handler fiber's would be.
            Effect.ensuring(Effect.sync(() => {
              scope.open = false
              scope.wake = undefined
              for (const job of [...(running === undefined ? [] : [running]), ...scope.jobs.splice(0)]) {
                job.reject(new Cause.InterruptedException())
              }
            }))
          ) as Effect.Effect<Either.Either<void, unknown>> // R: processOnOwnFiber put `services` on this fiber's context
        })

      const bot = new Bot(Redacted.value(config.effectiveBotToken), {
        botInfo: me,
        client: { apiRoot: config.telegramApiRoot.href.replace(/\/+$/, "") }
      })
      bot.api.config.use(forbidApi)
      for (const feature of features) bot.use(feature(run))
      bot.use((ctx) => run(ctx, Effect.logDebug("no feature handled this update")))
      // Only reached if someone drives the bot through grammY's own loop; processUpdate catches BotError itself.
      bot.catch((error) =>
        Runtime.runFork(runtime)(Effect.logError("update handler failed", Cause.die(error.error)).pipe(
          Effect.annotateLogs({ event: "update.failed", update_id: String(error.ctx.update.update_id) })
        )))

      const count = (type: string) => updateMetrics([[updatesBy(type), 1]])

      // Each update on its own (webhook): one GET before and one SET after.
      const perUpdate: Ledger = {
        seen: (updateId) =>
          store.get(dedupeKey(updateId)).pipe(
            Effect.map(Option.isSome),
            // Redis down: handle it anyway; BOT-3's other guards make a repeat harmless.
            Effect.catchAll((e) => Effect.as(Effect.logWarning("update de-duplication unavailable", e), false))
          ),
        done: (updateId) =>
          store.set(dedupeKey(updateId), "1", dedupeTtl).pipe(
            Effect.catchAll((e) => Effect.logWarning("could not record the update as handled", e))
          )
      }

      const handle = (info: Extract<UpdateInfo, { _tag: "Valid" }>, annotations: Record<string, string>, span: Tracer.AnySpan, ledger: Ledger) =>
        Effect.gen(function* () {
          if (yield* ledger.seen(info.updateId)) {
            yield* Effect.logDebug("update already handled; skipped").pipe(Effect.annotateLogs("event", "update.duplicate"))
            return "duplicate" as const
          }
          const started = yield* Clock.currentTimeMillis
          const runFeatures = dispatch(info.update, annotations, span)
          let result = yield* runFeatures
          // LIM-13: an update cut short by a database outage is neither done nor a bug. It holds its batch (so
          // the offset stays put) until the database answers, then runs again; BOT-3 makes the repeat safe.
          while (result._tag === "Left" && isOutage(result.left) && !(yield* Ref.get(closing))) {
            yield* Effect.logWarning("database unavailable: the update will be handled again once it is back").pipe(
              Effect.annotateLogs("event", "update.database_wait")
            )
            yield* waitForDatabase
            result = yield* runFeatures
          }
          if (result._tag === "Left") {
            if (isInterruption(result.left) || (yield* Ref.get(closing))) return yield* Effect.interrupt
            yield* Effect.logError("update handler failed; the update is acknowledged", Cause.die(result.left)).pipe(
              Effect.annotateLogs("event", "update.failed")
            )
          }
          yield* Effect.clockWith((clock) => updateMetrics([[durationBy(info.type), (clock.unsafeCurrentTimeMillis() - started) / 1000]]))
          yield* ledger.done(info.updateId)
          return result._tag === "Left" ? "failed" as const : "handled" as const
        })

      /**
       * One update as the whole of a fiber that exists for it alone (handleBatch forks one per update), so its
       * annotations, span and the features' services are set on the fiber for good rather than for a region:
       * `Effect.annotateLogs`, `withParentSpan` and `provide` each wrap the update in a FiberRef's
       * acquire-use-release, together about a fifth of the intake's Effect operations per update (the bot
       * benchmark's counted pass). Never run it on a fiber that does anything afterwards.
       */
      const processOnOwnFiber = (raw: unknown, ledger: Ledger): Effect.Effect<UpdateOutcome> => {
        const info = inspectUpdate(raw)
        const annotations = annotationsOf(info)
        return Effect.useSpan("Bot.processUpdate", { attributes: { "update.type": info.type, ...annotations }, captureStackTrace: false }, (span) =>
          Effect.gen(function* () {
            yield* FiberRef.update(FiberRef.currentContext, (context) => Context.add(Context.merge(context, services), Tracer.ParentSpan, span))
            yield* FiberRef.update(FiberRef.currentLogAnnotations, (current) =>
              Object.entries(annotations).reduce((acc, [key, value]) => HashMap.set(acc, key, value as unknown), current))
            yield* count(info.type)
            switch (info._tag) {
              case "Malformed":
                yield* Effect.logWarning(`malformed update acknowledged without handling: ${info.reason}`).pipe(
                  Effect.annotateLogs({ event: "update.malformed", update_type: info.type })
                )
                return "malformed"
              case "NotRequested":
                yield* Effect.logDebug(`update type ${info.type} is not in allowed_updates; acknowledged`)
                return "not_requested"
              case "Valid":
                return yield* handle(info, annotations, span, ledger)
            }
          }))
      }

      // Run on a fiber of its own (awaited, not joined: nothing of its FiberRefs comes back to the caller).
      const processUpdate = (raw: unknown) =>
        Effect.fork(processOnOwnFiber(raw, perUpdate)).pipe(Effect.flatMap(Fiber.await), Effect.flatten)

      const batchProcessor = (updates: ReadonlyArray<unknown>) =>
        Effect.gen(function* () {
          const ids = updates.flatMap((u) => {
            const info = inspectUpdate(u)
            return info._tag === "Valid" ? [info.updateId] : []
          })
          const found = yield* Effect.option(store.getMany(ids.map(dedupeKey)))
          // Ids the MGET found unhandled; each answer is used once, so a repeated id is looked up again…
          const knownNew = new Set(Option.match(found, { onNone: () => [], onSome: (values) => ids.filter((_, i) => values[i]?._tag === "None") }))
          // …and finds itself here if an earlier copy in this batch was handled (same key: it ran first).
          const handled = new Set<number>()
          const ledger: Ledger = {
            seen: (updateId) =>
              handled.has(updateId) ? Effect.succeed(true) : knownNew.delete(updateId) ? Effect.succeed(false) : perUpdate.seen(updateId),
            done: (updateId) => Effect.sync(() => void handled.add(updateId))
          }
          const markHandled = Effect.suspend(() =>
            store.setMany([...handled].map((id) => [dedupeKey(id), "1"] as const), dedupeTtl).pipe(
              Effect.catchAll((e) => Effect.logWarning("could not record the batch's updates as handled", e))
            ))
          return { process: (raw: unknown) => processOnOwnFiber(raw, ledger), markHandled } satisfies BatchProcessor
        })

      return { bot, processUpdate, batchProcessor }
    })
  )
