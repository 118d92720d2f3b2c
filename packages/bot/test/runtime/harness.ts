import { CacheEvents, KeyValueStore, TelegramApi, TelegramTransport, VerificationLog } from "@nezuko/core"
import { type RunningSandbox, startSandbox } from "@nezuko/telegram-sandbox"
import { AppConfigTest, ResilienceTest, testBotUser } from "@nezuko/testing"
import type { SqlClient } from "@effect/sql"
import { VerificationLogRepo } from "@nezuko/db"
import { type Duration, Effect, ExecutionStrategy, Exit, Layer, Schedule, Scope } from "effect"
import { Composer } from "grammy"
import { BotIdentity, BotIdentityLive } from "../../src/BotIdentity.js"
import { makeBotLayer } from "../../src/runtime/BotRuntime.js"
import type { Feature } from "../../src/runtime/Feature.js"

/** A sandbox on a random loopback port, closed with the scope. */
export const sandboxScoped = (options: Parameters<typeof startSandbox>[0] = {}) =>
  Effect.acquireRelease(Effect.promise(() => startSandbox(options)), (s) => Effect.promise(() => s.close()))

export const sandboxEnv = (sandbox: RunningSandbox, extra: Record<string, string> = {}) => ({
  BOT_TOKEN: sandbox.token,
  TELEGRAM_API_ROOT: sandbox.apiRoot,
  SHUTDOWN_GRACE_SECONDS: "1",
  ...extra
})

/**
 * The real runtime pieces for one "process" against the sandbox: config, breakers, limiter, TelegramApi over
 * HTTP, getMe, the verification log and the bot with `features`. SqlClient and KeyValueStore come from the
 * test (shared between "processes" like a real Postgres and Redis).
 */
export const processLayer = <R, ROut, E, RIn>(
  intake: Layer.Layer<ROut, E, RIn>,
  features: ReadonlyArray<Feature<R>>,
  env: Record<string, string>,
  options: { readonly verificationLogRepo?: Layer.Layer<VerificationLogRepo, never, SqlClient.SqlClient> } = {}
) =>
  intake.pipe(
    Layer.provide(makeBotLayer(features)),
    Layer.provide(BotIdentityLive),
    Layer.provideMerge(VerificationLog.DefaultWithoutDependencies.pipe(Layer.provide(options.verificationLogRepo ?? VerificationLogRepo.Default))),
    Layer.provideMerge(TelegramApi.Default.pipe(Layer.provide(TelegramTransport.layer))),
    Layer.provideMerge(ResilienceTest(env))
  )

export type Shared = SqlClient.SqlClient | KeyValueStore

/**
 * Builds a layer in its own scope, so a test can stop ("kill") and start the process again; the scope is a
 * child of the test's, so a failing test still stops it.
 */
export const startProcess = <ROut, E, RIn>(layer: Layer.Layer<ROut, E, RIn>) =>
  Effect.gen(function* () {
    const scope = yield* Scope.fork(yield* Effect.scope, ExecutionStrategy.sequential)
    const context = yield* Layer.buildWithScope(layer, scope)
    return { context, stop: Scope.close(scope, Exit.void) }
  })

export const waitUntil = (predicate: () => boolean, timeout: Duration.DurationInput = "10 seconds") =>
  Effect.suspend(() => (predicate() ? Effect.void : Effect.fail("not yet"))).pipe(
    Effect.retry(Schedule.spaced("20 millis")),
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error("waitUntil timed out") }),
    Effect.orDie
  )

/** Re-runs `check` every 100 ms until `ok` holds (dies after `timeout`). */
export const eventually = <A, E, R>(check: Effect.Effect<A, E, R>, ok: (a: A) => boolean, timeout: Duration.DurationInput = "15 seconds") =>
  check.pipe(
    Effect.filterOrFail(ok, () => "not yet" as const),
    Effect.retry(Schedule.spaced("100 millis")),
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error("eventually timed out") }),
    Effect.orDie
  )

/** BotRuntime over `features` with no Telegram and no database: a memory store unless one is given. */
export const runtimeLayer = (features: ReadonlyArray<Feature<never>>, store: Layer.Layer<KeyValueStore> = KeyValueStore.layerMemory()) =>
  makeBotLayer(features).pipe(
    Layer.provideMerge(Layer.merge(store, CacheEvents.local)),
    Layer.provide(Layer.succeed(BotIdentity, { ...testBotUser, is_bot: true, has_topics_enabled: false, allows_users_to_create_topics: false, can_manage_bots: false, supports_join_request_queries: false })),
    Layer.provide(AppConfigTest({ BOT_TOKEN: "123456:test-token" }))
  )

/** A feature that records the text of every text message it is given, in the order handled. */
export const textRecorder = () => {
  const handled: Array<string> = []
  /** A feature that records each text into the same `handled`, after `delay(text)` when given. */
  const recording = (delay?: (text: string) => Duration.DurationInput): Feature<never> => (run) => {
    const composer = new Composer()
    composer.on("message:text", async (ctx) => {
      const text = ctx.message.text
      const record = Effect.sync(() => handled.push(text))
      await run(ctx, delay === undefined ? record : Effect.zipRight(Effect.sleep(delay(text)), record))
    })
    return composer
  }
  return { handled, feature: recording(), recording }
}
