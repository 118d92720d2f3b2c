import { layer } from "@effect/vitest"
import { CircuitBreakers, KeyValueStore, makeMemoryStore, postgresProtected } from "@nezuko/core"
import { DatabaseUnavailable } from "@nezuko/domain"
import { freePort as nextFreePort, PgliteTest } from "@nezuko/testing"
import { Context, Effect, Layer } from "effect"
import { expect } from "vitest"
import { commandMenus, LeaderLive } from "../../src/runtime/Leader.js"
import { AllowedUpdates } from "../../src/runtime/Updates.js"
import { maxBodyBytes, secretHeader, WebhookLive } from "../../src/runtime/Webhook.js"
import { processLayer, sandboxEnv, sandboxScoped, startProcess, textRecorder, waitUntil } from "./harness.js"

const freePort = Effect.promise(() => nextFreePort())

const post = (url: string, body: string, headers: Record<string, string>) =>
  Effect.promise(() => fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } }))

const secret = "test_webhook_secret-123"

layer(PgliteTest, { timeout: "60 seconds", excludeTestServices: true })("webhook mode against the sandbox", (it) => {
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
      const update = (id: number, text: string) =>
        JSON.stringify({ update_id: id, message: { message_id: 9, date: 0, chat: { id: group.id, type: "supergroup" }, from: { id: alice.id }, text } })
      // SEC-17: a wrong or missing secret is 401 and never reaches a handler.
      expect((yield* post(url, update(900001, "forged"), { [secretHeader]: "wrong" })).status).toBe(401)
      expect((yield* post(url, update(900002, "unsigned"), {})).status).toBe(401)
      // Only POST, bodies up to 1 MB.
      expect((yield* Effect.promise(() => fetch(url, { headers: { [secretHeader]: secret } }))).status).toBe(405)
      const padding = "x".repeat(maxBodyBytes)
      expect((yield* post(url, update(900003, padding), { [secretHeader]: secret })).status).toBe(413)
      // A malformed update is acknowledged, never handled.
      expect((yield* post(url, "{not json", { [secretHeader]: secret })).status).toBe(200)
      expect((yield* post(url, JSON.stringify({ update_id: 900004 }), { [secretHeader]: secret })).status).toBe(200)
      // A direct, correctly signed update is handled before the answer; its repeat is skipped (BOT-3).
      expect((yield* post(url, update(900005, "direct"), { [secretHeader]: secret })).status).toBe(200)
      expect((yield* post(url, update(900005, "direct"), { [secretHeader]: secret })).status).toBe(200)
      expect(handled).toEqual(["via webhook", "direct"])

      // LIM-13: while the postgres breaker is open an update is refused with 503 (Telegram delivers it again) and
      // not handled; once it closes the redelivery is handled.
      const breakers = Context.get(proc.context, CircuitBreakers)
      const guarded = <A, E>(effect: Effect.Effect<A, E>) => postgresProtected(effect).pipe(Effect.provideService(CircuitBreakers, breakers), Effect.exit)
      for (let i = 0; i < 3; i++) yield* guarded(Effect.fail(new DatabaseUnavailable({ cause: "connection refused" })))
      expect((yield* post(url, update(900006, "during an outage"), { [secretHeader]: secret })).status).toBe(503)
      expect(handled).toEqual(["via webhook", "direct"])
      yield* Effect.sleep("1100 millis")
      yield* guarded(Effect.void)
      yield* guarded(Effect.void)
      expect((yield* post(url, update(900006, "during an outage"), { [secretHeader]: secret })).status).toBe(200)
      expect(handled).toEqual(["via webhook", "direct", "during an outage"])

      yield* proc.stop
      // Never a drop of pending updates anywhere (BOT-1).
      expect(driver.calls().some((c) => c.params["drop_pending_updates"] === true)).toBe(false)
    }))
})
