import { TelegramApi, TelegramTransport } from "@nezuko/core"
import { type RunningSandbox, type SandboxOptions, TelegramSandbox } from "@nezuko/telegram-sandbox"
import { Context, Effect, Layer } from "effect"
import { ResilienceTest } from "./TelegramApiTest.js"

/** The sandbox a `TelegramApiSandboxTest` talks to: its driver injects faults and reads the call log. */
export class SandboxUnderTest extends Context.Tag("@nezuko/testing/SandboxUnderTest")<SandboxUnderTest, RunningSandbox>() {}

/** A fresh sandbox on loopback, for a test that builds its own way to it (TELEGRAM_API_ROOT = its apiRoot). */
export const SandboxTest = (options: SandboxOptions = {}) => Layer.scoped(SandboxUnderTest, TelegramSandbox.scoped(options))

/**
 * The real TelegramApi over HTTP (limiter, breaker, retries) against a fresh sandbox on loopback, through
 * TELEGRAM_API_ROOT exactly as in production (SPEC ARCH-8). `env` overrides configuration (limits, retries).
 */
export const TelegramApiSandboxTest = (options: SandboxOptions = {}, env: Record<string, string> = {}) =>
  Layer.unwrapScoped(Effect.map(TelegramSandbox.scoped(options), (sandbox) =>
    TelegramApi.Default.pipe(
      Layer.provide(TelegramTransport.layer),
      Layer.provideMerge(ResilienceTest({ TELEGRAM_API_ROOT: sandbox.apiRoot, SANDBOX_BOT_TOKEN: sandbox.token, ...env })),
      Layer.provideMerge(Layer.succeed(SandboxUnderTest, sandbox))
    )))
