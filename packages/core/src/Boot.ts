import { existsSync } from "node:fs"
import { NodeRuntime } from "@effect/platform-node"
import { Cause, ConfigProvider, Data, Duration, Effect, Exit, Layer, Option } from "effect"
import { AppConfig, type AppConfigShape, describeConfigError, loadConfig } from "./AppConfig.js"
import { ErrorReportingLive } from "./ErrorReporting.js"
import { Health } from "./Health.js"
import { LoggingLive, type Service } from "./Logging.js"
import { recordBuildInfo } from "./Metrics.js"
import { TracingLive } from "./Tracing.js"

/** A failure that ends the process with a specific exit code and a one-line message, without a stack trace. */
export class FatalStartup extends Data.TaggedError("FatalStartup")<{ readonly message: string; readonly exitCode: number }> {}

/** EX_CONFIG from sysexits.h: the exit code of OPS-3. */
export const configExitCode = 78

/** `.env` is read in development only (OPS-2); production takes its environment from the platform. */
export const loadDotEnv = (file = ".env") => {
  if (process.env.ENVIRONMENT !== "production" && existsSync(file)) process.loadEnvFile(file)
}

/**
 * Validates the whole configuration before anything starts. On failure prints one message naming every bad
 * variable and exits 78 (OPS-3) — no stack trace.
 */
export const validateConfigOrExit = async (): Promise<AppConfigShape> => {
  loadDotEnv()
  const exit = await Effect.runPromiseExit(Effect.withConfigProvider(loadConfig, ConfigProvider.fromEnv()))
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.failureOption(exit.cause)
  const lines = Option.isSome(failure) ? describeConfigError(failure.value) : [Cause.pretty(exit.cause)]
  process.stderr.write(`Invalid configuration — nothing was started:\n${lines.map((l) => `  ${l}`).join("\n")}\n`)
  process.exit(configExitCode)
}

/** The layers every process has: configuration, logging, tracing, build info and the readiness registry. */
export const BaseLive = (service: Service) =>
  Layer.mergeAll(LoggingLive(service), ErrorReportingLive(service), TracingLive(service), Layer.effectDiscard(recordBuildInfo)).pipe(
    Layer.provideMerge(Health.Default),
    Layer.provideMerge(AppConfig.Default)
  )

/**
 * `main` with /readyz held at 503 ("process" pending) from before its first layer is built until its last is.
 * Without it the health server, built alongside, answered 200 before the migrations had even registered as
 * starting: `pnpm bot`'s e2e test saw a ready process with no database probe under a loaded CI.
 */
export const untilBuilt = <A, E, R>(main: Layer.Layer<A, E, R>): Layer.Layer<A, E, R | Health> =>
  Layer.effectDiscard(Effect.flatMap(Health, (health) => health.ready("process"))).pipe(
    Layer.provideMerge(main.pipe(Layer.provide(Layer.effectDiscard(Effect.flatMap(Health, (health) => health.starting("process"))))))
  )

/**
 * Runs a process's layer graph until SIGTERM/SIGINT (OPS-8): readiness turns 503 first, finalizers then close
 * servers, pools and Redis in reverse order. If that takes longer than SHUTDOWN_GRACE_SECONDS the process
 * exits anyway, so an orchestrator never has to SIGKILL it.
 */
export const runProcess = <E>(service: Service, main: Layer.Layer<never, E, Health | AppConfig>) => {
  void validateConfigOrExit().then((config) => {
    const graceMs = Duration.toMillis(config.shutdownGrace)
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => {
        setTimeout(() => {
          process.stderr.write(`shutdown took longer than ${graceMs} ms; exiting\n`)
          process.exit(1)
        }, graceMs).unref()
      })
    }
    const program = Layer.launch(
      Layer.mergeAll(
        untilBuilt(main),
        // Registered after everything else is built, so it runs first on shutdown: /readyz says 503 at once.
        Layer.scopedDiscard(Effect.flatMap(Health, (health) => Effect.addFinalizer(() => health.beginShutdown)))
      ).pipe(Layer.provideMerge(BaseLive(service)))
    ).pipe(
      Effect.catchAllCause((cause) =>
        Effect.gen(function* () {
          const fatal = Option.flatMap(Cause.failureOption(cause as Cause.Cause<unknown>), (e) =>
            e instanceof FatalStartup ? Option.some(e) : Option.none())
          if (Option.isSome(fatal)) {
            yield* Effect.logError(fatal.value.message)
            return yield* Effect.sync(() => process.exit(fatal.value.exitCode))
          }
          if (Cause.isInterruptedOnly(cause)) return
          yield* Effect.logFatal("the process stopped on an unexpected error", cause)
          return yield* Effect.sync(() => process.exit(1))
        })
      )
    )
    NodeRuntime.runMain(program, { disableErrorReporting: true, disablePrettyLogger: true })
  })
}
