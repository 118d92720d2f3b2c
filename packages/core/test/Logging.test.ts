import { it } from "@effect/vitest"
import { Effect, Logger, LogLevel } from "effect"
import { expect } from "vitest"
import { makeLogger, redactSecrets } from "../src/Logging.js"

const capture = () => {
  const lines: Array<string> = []
  const logger = makeLogger({ service: "bot", instance: "i-1", version: "1.2.3", env: "production" }, "json", (l) => lines.push(l))
  return { lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), layer: Logger.replace(Logger.defaultLogger, logger) }
}

it.effect("writes one JSON object per event with the OPS-6 fields, annotations as strings", () => {
  const out = capture()
  return Effect.gen(function* () {
    yield* Effect.logInfo("restricted user").pipe(Effect.annotateLogs({ chat_id: -100123, user_id: 42 }))
    const [entry] = out.parsed()
    expect(entry).toMatchObject({ level: "info", msg: "restricted user", service: "bot", instance: "i-1", version: "1.2.3", env: "production", chat_id: "-100123", user_id: "42" })
    expect(String(entry?.ts)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  }).pipe(Effect.provide(out.layer))
})

it.effect("a correlation id annotated once follows the work into forked fibers", () => {
  const out = capture()
  return Effect.gen(function* () {
    yield* Effect.forEach([1, 2], (n) => Effect.logInfo(`child ${n}`), { concurrency: 2 }).pipe(
      Effect.annotateLogs("correlation_id", "upd-77")
    )
    const fiber = yield* Effect.fork(Effect.logWarning("forked")).pipe(Effect.annotateLogs("correlation_id", "upd-78"))
    yield* fiber.await
    expect(out.parsed().map((e) => [e.msg, e.correlation_id, e.level])).toEqual([
      ["child 1", "upd-77", "info"], ["child 2", "upd-77", "info"], ["forked", "upd-78", "warn"]
    ])
  }).pipe(Effect.provide(out.layer))
})

it.effect("errors carry tag, message and stack; bot tokens are redacted everywhere", () => {
  const out = capture()
  class TelegramDown extends Error {
    readonly _tag = "TelegramDown"
  }
  return Effect.gen(function* () {
    yield* Effect.logError("call to https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe failed").pipe(
      Effect.zipRight(Effect.fail(new TelegramDown("boom 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"))),
      Effect.catchAllCause((cause) => Effect.logError("handler failed", cause))
    )
    const text = out.lines.join("\n")
    expect(text).not.toContain("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
    expect(text).toContain("<redacted-token>")
    const failed = out.parsed()[1]
    expect(failed?.error).toMatchObject({ tag: "TelegramDown", message: "boom <redacted-token>" })
  }).pipe(Effect.provide(out.layer))
})

it.effect("LOG_LEVEL filters below the minimum", () => {
  const out = capture()
  return Effect.gen(function* () {
    yield* Effect.logDebug("hidden")
    yield* Effect.logInfo("shown")
    expect(out.parsed().map((e) => e.msg)).toEqual(["shown"])
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Info), Effect.provide(out.layer))
})

it("redactSecrets leaves ordinary numbers alone", () => {
  expect(redactSecrets("chat -1001234567890 user 42: ok")).toBe("chat -1001234567890 user 42: ok")
})
