import { createServer } from "node:http"
import { it } from "@effect/vitest"
import { Data, Effect, Logger, Option } from "effect"
import { expect } from "vitest"
import { makeSentryLogger, parseDsn } from "../src/ErrorReporting.js"

class BrokenInvariant extends Data.TaggedError("BrokenInvariant")<{ readonly detail: string }> {
  override get message() {
    return this.detail
  }
}
class TelegramMessageGone extends Data.TaggedError("TelegramMessageGone")<{}> {}

it("parses a DSN into Sentry's envelope endpoint", () => {
  expect(parseDsn("https://abc123@o1.ingest.example.io/42")).toEqual(Option.some({
    dsn: "https://abc123@o1.ingest.example.io/42",
    envelopeUrl: "https://o1.ingest.example.io/api/42/envelope/?sentry_key=abc123&sentry_version=7"
  }))
  expect(parseDsn("not a dsn")).toEqual(Option.none())
  expect(parseDsn("https://o1.ingest.example.io/42")).toEqual(Option.none())
})

it.live("reports error logs with a cause, scrubbed and tagged; skips expected Telegram outcomes and info logs", () =>
  Effect.gen(function* () {
    const received: Array<string> = []
    const server = createServer((req, res) => {
      let body = ""
      req.on("data", (c: Buffer) => (body += c.toString()))
      req.on("end", () => {
        received.push(`${req.url}\n${body}`)
        res.end("{}")
      })
    })
    yield* Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void)))
    const address = server.address()
    const port = typeof address === "object" && address ? address.port : 0
    const target = Option.getOrThrow(parseDsn(`http://publickey@127.0.0.1:${port}/7`))
    const sentry = makeSentryLogger(target, { environment: "production", instance: "bot-1", role: "bot" })
    yield* Effect.gen(function* () {
      yield* Effect.logError("handler failed", yield* Effect.cause(Effect.fail(new BrokenInvariant({ detail: "token 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw leaked" }))))
      yield* Effect.logError("expected", yield* Effect.cause(Effect.fail(new TelegramMessageGone())))
      yield* Effect.logInfo("not an error")
    }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, sentry.logger)))
    yield* Effect.promise(() => sentry.flush(2_000))
    server.close()
    expect(received).toHaveLength(1)
    const [request] = received
    expect(request).toContain("/api/7/envelope/?sentry_key=publickey")
    expect(request).toContain('"type":"BrokenInvariant"')
    expect(request).toContain('"tags":{"instance":"bot-1","role":"bot"}')
    expect(request).not.toContain("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")
  }))
