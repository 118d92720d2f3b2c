import { createHash, timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { AppConfig, CircuitBreakers, Health, Jobs } from "@nezuko/core"
import { Context, Duration, Effect, Either, Exit, Fiber, FiberSet, Layer, Metric, Option, Redacted, Ref, Schema } from "effect"
import { BotRuntime } from "./BotRuntime.js"
import { jobHandler } from "./JobRunner.js"
import { inspectUpdate } from "./Updates.js"

export const maxBodyBytes = 1024 * 1024
/** OPS-10: answer within 8 s; what is not done by then continues as a job (`webhook_update`). */
export const handlingBudget = Duration.seconds(8)
/**
 * When that job runs: by then this process has normally finished the update and cancelled it. If the process
 * died or shut down first, any replica's job runner handles the update again (BOT-3: `upd:` is set only once
 * an update is done, so a finished one is skipped).
 */
export const continueAfter = Duration.minutes(1)
export const webhookUpdateKind = "webhook_update"
export const secretHeader = "x-telegram-bot-api-secret-token"

export const webhookRejected = Metric.counter("nezuko_webhook_rejected_total", {
  description: "Webhook requests refused, by reason",
  incremental: true
})

/** Where the webhook listener is bound (WEBHOOK_PORT; tests use port 0). */
export class WebhookServer extends Context.Tag("@nezuko/bot/WebhookServer")<WebhookServer, { readonly port: number }>() {}

const digest = (value: string) => createHash("sha256").update(value).digest()

/** SEC-17: constant time whatever the lengths (both sides are hashed to 32 bytes first). */
export const secretMatches = (given: string | undefined, expected: string) =>
  given !== undefined && timingSafeEqual(digest(given), digest(expected)) && given.length === expected.length

const reject = (reason: string, status: number) =>
  Effect.as(
    Metric.increment(Metric.tagged(webhookRejected, "reason", reason)),
    HttpServerResponse.text(status === 503 ? "unavailable\n" : `${reason}\n`, { status, ...(status === 503 ? { headers: { "retry-after": "5" } } : {}) })
  )

/** The `webhook_update` job kind: an update whose webhook request was answered before it was handled (OPS-10). */
export const WebhookJobsLive = jobHandler(webhookUpdateKind, Schema.Unknown, (update) =>
  Effect.flatMap(BotRuntime, (runtime) => Effect.map(runtime.processUpdate(update), (outcome) => ({ outcome }))))

export interface WebhookTiming {
  readonly budget: Duration.DurationInput
  readonly continueAfter: Duration.DurationInput
}

/**
 * The webhook intake (OPS-10, SEC-17): POST WEBHOOK_PATH only, the secret header compared in constant time
 * before the body is read (401, counted), bodies up to 1 MB, 200 once the update is handled or after the 8 s
 * budget (the rest continuing as a durable job), 503 while shutting down or while the database breaker is open
 * (LIM-13: Telegram redelivers). An update whose handling was interrupted gets 503 too, so it is delivered
 * again (OPS-8). `timing` is for tests.
 */
export const makeWebhookLive = (timing: WebhookTiming = { budget: handlingBudget, continueAfter }) => Layer.scoped(
  WebhookServer,
  Effect.gen(function* () {
    const { processUpdate } = yield* BotRuntime
    const jobs = yield* Jobs
    const config = yield* AppConfig
    const health = yield* Health
    const breakers = yield* CircuitBreakers
    const secret = yield* Option.match(config.webhookSecret, {
      onNone: () => Effect.dieMessage("WEBHOOK_SECRET is required in webhook mode"),
      onSome: (s) => Effect.succeed(Redacted.value(s))
    })
    yield* health.starting("intake")
    yield* health.setMode("webhook")

    const accepting = yield* Ref.make(true)
    const server = yield* NodeHttpServer.make(() => createServer(), {
      port: config.webhookPort,
      host: config.environment === "production" ? "0.0.0.0" : "127.0.0.1"
    })
    // Created after the server, so it is closed before it: updates past their budget finish first.
    const handling = yield* FiberSet.make<unknown, never>()

    // Past the budget the answer cannot wait, and Telegram will not deliver the update again: a job keeps it
    // until this process has finished it (and cancels the job) or, if the process is gone, handles it elsewhere.
    // False when no job could be written (the database is down, LIM-13): then the answer must be 503, so that
    // Telegram keeps the update; the work goes on here, and BOT-3's guards make the redelivery safe.
    const continueAsJob = (body: unknown, fiber: Fiber.RuntimeFiber<unknown>) =>
      Effect.gen(function* () {
        const updateId = inspectUpdate(body).updateId
        if (updateId === undefined) return true
        const key = `${webhookUpdateKind}:${updateId}`
        const queued = yield* jobs.scheduleIn(webhookUpdateKind, timing.continueAfter, body, key).pipe(
          Effect.tapError((e) => Effect.logWarning("could not keep the update as a job; Telegram is asked to deliver it again", e)),
          Effect.either
        )
        if (Either.isLeft(queued)) return false
        // None: a job already keeps this update (a redelivery).
        if (Option.isNone(queued.right)) return true
        yield* FiberSet.run(handling, Fiber.await(fiber).pipe(
          Effect.flatMap((exit) => Exit.isSuccess(exit) ? jobs.cancel(key) : Effect.void),
          Effect.catchAll((e) => Effect.logWarning("could not cancel the update's job; it will find the update handled", e)),
          Effect.interruptible
        ))
        return true
      })

    const handle = (body: unknown) =>
      Effect.gen(function* () {
        // The server runs a request's handler uninterruptibly, and a fiber forked there would be too: then the
        // budget could only cut in once the update was done, and shutdown could not interrupt it after its grace.
        const fiber = yield* FiberSet.run(handling, Effect.interruptible(processUpdate(body)))
        const exit = yield* Effect.interruptible(Fiber.await(fiber)).pipe(Effect.timeout(timing.budget), Effect.option)
        if (Option.isNone(exit)) {
          yield* Effect.logWarning("update still running after its budget; answering the webhook, the work continues (and is kept as a job)").pipe(
            Effect.annotateLogs("event", "webhook.budget_exceeded")
          )
          return (yield* continueAsJob(body, fiber)) ? HttpServerResponse.empty({ status: 200 }) : yield* reject("database_unavailable", 503)
        }
        return Exit.isSuccess(exit.value) ? HttpServerResponse.empty({ status: 200 }) : yield* reject("interrupted", 503)
      })

    const app = Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = new URL(request.url, "http://webhook").pathname
      if (path !== config.webhookPath) return HttpServerResponse.text("not found\n", { status: 404 })
      if (request.method !== "POST") return HttpServerResponse.text("method not allowed\n", { status: 405, headers: { allow: "POST" } })
      if (!(yield* Ref.get(accepting))) return yield* reject("shutting_down", 503)
      if (!secretMatches(request.headers[secretHeader], secret)) {
        yield* Effect.logWarning("webhook request with a wrong or missing secret token").pipe(Effect.annotateLogs("event", "webhook.unauthorized"))
        return yield* reject("unauthorized", 401)
      }
      if ((yield* breakers.state("postgres"))._tag === "open") return yield* reject("database_unavailable", 503)
      const declared = Number(request.headers["content-length"] ?? "0")
      if (declared > maxBodyBytes) return yield* reject("too_large", 413)
      const text = yield* request.text.pipe(HttpServerRequest.withMaxBodySize(Option.some(maxBodyBytes)), Effect.either)
      if (text._tag === "Left") return yield* reject("too_large", 413)
      const body = yield* Effect.try(() => JSON.parse(text.right) as unknown).pipe(Effect.option)
      // A body that is not JSON can never be handled: acknowledge it (processUpdate logs malformed updates).
      return yield* handle(Option.getOrElse(body, () => ({ malformed: text.right.slice(0, 200) })))
    }).pipe(Effect.catchAllCause((cause) => Effect.as(Effect.logError("webhook request failed", cause), HttpServerResponse.empty({ status: 500 }))))

    yield* server.serve(app)
    const port = server.address._tag === "TcpAddress" ? server.address.port : config.webhookPort
    yield* health.setInfo("intake", { mode: "webhook", port, path: config.webhookPath })
    yield* health.ready("intake")
    yield* Effect.logInfo(`webhook listening on port ${port} at ${config.webhookPath}`)

    const grace = Duration.max(Duration.subtract(config.shutdownGrace, Duration.seconds(2)), Duration.seconds(1))
    yield* Effect.addFinalizer(() =>
      Effect.gen(function* () {
        yield* Ref.set(accepting, false)
        // Finalizers are uninterruptible; the wait inside must not be, or its timeout could never fire.
        const drained = yield* Effect.interruptible(FiberSet.awaitEmpty(handling)).pipe(Effect.timeout(grace), Effect.option)
        if (Option.isNone(drained)) {
          yield* Effect.logWarning("webhook updates still running at shutdown; they are interrupted and will be redelivered")
        }
      }))
    return { port }
  })
)

export const WebhookLive = makeWebhookLive()
