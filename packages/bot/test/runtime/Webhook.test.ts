import { SqlClient } from "@effect/sql"
import { layer } from "@effect/vitest"
import { CircuitBreakers, Jobs, KeyValueStore, makeMemoryStore, postgresProtected } from "@nezuko/core"
import { JobQueue } from "@nezuko/db"
import { DatabaseUnavailable } from "@nezuko/domain"
import { freePort as nextFreePort, PgliteTest } from "@nezuko/testing"
import { Context, Effect, Layer } from "effect"
import { expect } from "vitest"
import { JobRegistry, makeJobRunner } from "../../src/runtime/JobRunner.js"
import { commandMenus, LeaderLive } from "../../src/runtime/Leader.js"
import { AllowedUpdates } from "../../src/runtime/Updates.js"
import { makeWebhookLive, maxBodyBytes, secretHeader, WebhookJobsLive, WebhookLive } from "../../src/runtime/Webhook.js"
import { processLayer, sandboxEnv, sandboxScoped, startProcess, textRecorder, waitUntil } from "./harness.js"

const freePort = Effect.promise(() => nextFreePort())

const post = (url: string, body: string, headers: Record<string, string>) =>
  Effect.promise(() => fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } }))

const secret = "test_webhook_secret-123"

const update = (id: number, chatId: number, userId: number, text: string) =>
  JSON.stringify({ update_id: id, message: { message_id: 9, date: 0, chat: { id: chatId, type: "supergroup" }, from: { id: userId }, text } })

layer(Jobs.Default.pipe(Layer.provideMerge(PgliteTest)), { timeout: "60 seconds", excludeTestServices: true })("webhook mode against the sandbox", (it) => {
  it.scoped("registers the webhook and the command menus, serves updates with the secret, refuses the rest", () =>
    Effect.gen(function* () {
      const sandbox = yield* sandboxScoped()
      const { driver } = sandbox
      const port = yield* freePort
      const base = `http://127.0.0.1:${port}`
      const env = sandboxEnv(sandbox, {
        BOT_MODE: "webhook", WEBHOOK_URL: base, WEBHOOK_SECRET: secret, WEBHOOK_PORT: String(port),
        BREAKER_POSTGRES_FAILURES: "3", BREAKER_POSTGRES_OPEN_SECONDS: "1"
      })
      const { handled, feature } = textRecorder()
      const intake = Layer.mergeAll(Layer.discard(WebhookLive), Layer.discard(LeaderLive))
      const proc = yield* startProcess(
        processLayer(intake, [feature], env).pipe(Layer.provide(Layer.sync(KeyValueStore, () => makeMemoryStore(1000))))
      )

      // BOT-2 / OPS-10: the (embedded, single) leader registered both.
      yield* waitUntil(() => driver.calls({ method: "setWebhook" }).length === 1 && driver.calls({ method: "setMyCommands" }).length === 3)
      const [hook] = driver.calls({ method: "setWebhook" })
      expect(hook?.params).toMatchObject({
        url: `${base}/telegram/webhook`,
        secret_token: secret,
        allowed_updates: [...AllowedUpdates],
        max_connections: 40,
        drop_pending_updates: false
      })
      expect(driver.calls({ method: "setMyCommands" }).map((c) => c.params)).toEqual(
        commandMenus.map((m) => ({ scope: m.scope, commands: m.commands }))
      )
      expect(driver.calls({ method: "setMyCommands" }).map((c) => c.params["scope"])).toEqual([
        { type: "all_private_chats" },
        { type: "all_group_chats" },
        { type: "all_chat_administrators" }
      ])

      const alice = driver.createUser({ firstName: "Alice" })
      const group = driver.createSupergroup({ title: "G", members: [alice.id], bot: "admin" })
      driver.sendMessage(alice.id, group.id, "via webhook")
      yield* waitUntil(() => driver.webhookDeliveries().some((d) => d.ok))
      expect(handled).toEqual(["via webhook"])
      expect(driver.webhookDeliveries()[0]).toMatchObject({ ok: true, status: 200, secretToken: secret })

      const url = `${base}/telegram/webhook`
      const signed = (id: number, text: string) => update(id, group.id, alice.id, text)
      // SEC-17: a wrong or missing secret is 401 and never reaches a handler.
      expect((yield* post(url, signed(900001, "forged"), { [secretHeader]: "wrong" })).status).toBe(401)
      expect((yield* post(url, signed(900002, "unsigned"), {})).status).toBe(401)
      // Only POST, bodies up to 1 MB.
      expect((yield* Effect.promise(() => fetch(url, { headers: { [secretHeader]: secret } }))).status).toBe(405)
      const padding = "x".repeat(maxBodyBytes)
      expect((yield* post(url, signed(900003, padding), { [secretHeader]: secret })).status).toBe(413)
      // A malformed update is acknowledged, never handled.
      expect((yield* post(url, "{not json", { [secretHeader]: secret })).status).toBe(200)
      expect((yield* post(url, JSON.stringify({ update_id: 900004 }), { [secretHeader]: secret })).status).toBe(200)
      // A direct, correctly signed update is handled before the answer; its repeat is skipped (BOT-3).
      expect((yield* post(url, signed(900005, "direct"), { [secretHeader]: secret })).status).toBe(200)
      expect((yield* post(url, signed(900005, "direct"), { [secretHeader]: secret })).status).toBe(200)
      expect(handled).toEqual(["via webhook", "direct"])

      // LIM-13: while the postgres breaker is open an update is refused with 503 (Telegram delivers it again) and
      // not handled; once it closes the redelivery is handled.
      const breakers = Context.get(proc.context, CircuitBreakers)
      const guarded = <A, E>(effect: Effect.Effect<A, E>) => postgresProtected(effect).pipe(Effect.provideService(CircuitBreakers, breakers), Effect.exit)
      for (let i = 0; i < 3; i++) yield* guarded(Effect.fail(new DatabaseUnavailable({ cause: "connection refused" })))
      expect((yield* post(url, signed(900006, "during an outage"), { [secretHeader]: secret })).status).toBe(503)
      expect(handled).toEqual(["via webhook", "direct"])
      yield* Effect.sleep("1100 millis")
      yield* guarded(Effect.void)
      yield* guarded(Effect.void)
      expect((yield* post(url, signed(900006, "during an outage"), { [secretHeader]: secret })).status).toBe(200)
      expect(handled).toEqual(["via webhook", "direct", "during an outage"])

      yield* proc.stop
      // Never a drop of pending updates anywhere (BOT-1).
      expect(driver.calls().some((c) => c.params["drop_pending_updates"] === true)).toBe(false)
    }))

  /** A sandbox and a webhook-mode environment on a free port, with the URL Telegram posts to. */
  const webhookProcess = Effect.gen(function* () {
    const sandbox = yield* sandboxScoped()
    const port = yield* freePort
    const env = sandboxEnv(sandbox, { BOT_MODE: "webhook", WEBHOOK_URL: `http://127.0.0.1:${port}`, WEBHOOK_SECRET: secret, WEBHOOK_PORT: String(port) })
    return { url: `http://127.0.0.1:${port}/telegram/webhook`, env }
  })

  it.scoped("OPS-10: an update past its budget is answered and kept as a job, cancelled once done here, handled by a runner if cut short", () =>
    Effect.gen(function* () {
      const { url, env } = yield* webhookProcess
      // The first "process" holds "cut short" far beyond the shutdown grace.
      const { handled, recording } = textRecorder()
      // Shared like Redis between the two "processes": `upd:` tells the job whether the update was finished.
      const store = Layer.succeed(KeyValueStore, makeMemoryStore(1000))
      const timing = { budget: "200 millis", continueAfter: "1500 millis" } as const
      const sql = yield* SqlClient.SqlClient
      const jobStates = (id: number) =>
        Effect.map(sql<{ state: string }>`SELECT state FROM scheduled_jobs WHERE dedupe_key = ${`webhook_update:${id}`} ORDER BY id`, (rows) => rows.map((r) => r.state))

      const first = recording((text) => (text === "cut short" ? "30 seconds" : "1 second"))
      const proc = yield* startProcess(processLayer(Layer.discard(makeWebhookLive(timing)), [first], env).pipe(Layer.provide(store)))
      const started = Date.now()
      expect((yield* post(url, update(910001, -100, 7, "finished here"), { [secretHeader]: secret })).status).toBe(200)
      expect(Date.now() - started).toBeLessThan(1000)
      expect(handled).toEqual([])
      expect(yield* jobStates(910001)).toEqual(["queued"])
      yield* waitUntil(() => handled.length === 1)
      yield* Effect.sleep("200 millis")
      expect(yield* jobStates(910001)).toEqual(["cancelled"])

      // Answered, then the process stops before the handler is done (it is interrupted after the grace): the job
      // outlives the process, and another process's runner handles the update.
      expect((yield* post(url, update(910002, -100, 8, "cut short"), { [secretHeader]: secret })).status).toBe(200)
      yield* proc.stop
      expect(handled).toEqual(["finished here"])
      expect(yield* jobStates(910002)).toEqual(["queued"])
      const context = yield* Effect.context<SqlClient.SqlClient | Jobs>()
      const runner = makeJobRunner({ pollEvery: "50 millis" }).pipe(
        Layer.provide(WebhookJobsLive),
        Layer.provide(JobRegistry.Default),
        Layer.provide(JobQueue.Default)
      )
      yield* startProcess(processLayer(runner, [recording()], env).pipe(Layer.provide(store), Layer.provide(Layer.succeedContext(context))))
      yield* waitUntil(() => handled.length === 2, "10 seconds")
      expect(handled).toEqual(["finished here", "cut short"])
      yield* Effect.sleep("300 millis")
      expect(yield* jobStates(910002)).toEqual(["done"])
    }))

  it.scoped("LIM-13: an update past its budget that no job can keep (database down) is answered 503, so Telegram keeps it; the work goes on", () =>
    Effect.gen(function* () {
      const { url, env } = yield* webhookProcess
      const { handled, recording } = textRecorder()
      const jobs = yield* Jobs
      const downJobs = Layer.succeed(Jobs, Jobs.make({ ...jobs, scheduleIn: () => Effect.fail(new DatabaseUnavailable({ cause: "connection refused" })) }))
      const timing = { budget: "200 millis", continueAfter: "1500 millis" } as const
      yield* startProcess(processLayer(Layer.discard(makeWebhookLive(timing)), [recording(() => "1 second")], env).pipe(
        Layer.provide(Layer.succeed(KeyValueStore, makeMemoryStore(1000))),
        Layer.provide(downJobs)
      ))
      expect((yield* post(url, update(920001, -100, 9, "slow, database down"), { [secretHeader]: secret })).status).toBe(503)
      yield* waitUntil(() => handled.length === 1)
      expect(handled).toEqual(["slow, database down"])
    }))
})
