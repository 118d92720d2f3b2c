import { layer } from "@effect/vitest"
import { CircuitBreakers, KeyValueStore, makeMemoryStore, postgresProtected, VerificationLog } from "@nezuko/core"
import { VerificationLogRepo } from "@nezuko/db"
import { ChatId, DatabaseUnavailable, VerificationDecision } from "@nezuko/domain"
import { PgliteTest } from "@nezuko/testing"
import { Context, Effect, Layer, Option } from "effect"
import { Composer } from "grammy"
import { expect } from "vitest"
import { currentCorrelationId } from "../../src/runtime/BotRuntime.js"
import type { Feature } from "../../src/runtime/Feature.js"
import { PollingLive } from "../../src/runtime/Polling.js"
import { AllowedUpdates } from "../../src/runtime/Updates.js"
import { processLayer, sandboxEnv, sandboxScoped, startProcess, waitUntil } from "./harness.js"

interface Event {
  readonly at: "start" | "end"
  readonly text: string
}

/** Records each text message; "slow…" takes 300 ms and "hang…" never ends. */
const recorder = () => {
  const events: Array<Event> = []
  const feature: Feature<never> = (run) => {
    const composer = new Composer()
    composer.on("message:text", async (ctx) => {
      const text = ctx.message.text
      await run(ctx, Effect.gen(function* () {
        events.push({ at: "start", text })
        if (text.startsWith("hang")) return yield* Effect.never
        if (text.startsWith("slow")) yield* Effect.sleep("300 millis")
        events.push({ at: "end", text })
      }))
    })
    return composer
  }
  const ended = () => events.filter((e) => e.at === "end").map((e) => e.text)
  const started = () => events.filter((e) => e.at === "start").map((e) => e.text)
  return { events, feature, ended, started }
}

// update_id restarts in every sandbox, so each test gets its own store, shared by its "processes" like Redis.
const withStore = <A, E, R>(f: (store: Layer.Layer<KeyValueStore>) => Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const store = makeMemoryStore(10_000)
    return f(Layer.succeed(KeyValueStore, store)).pipe(Effect.provideService(KeyValueStore, store))
  })

layer(PgliteTest, { timeout: "60 seconds", excludeTestServices: true })("long polling against the sandbox", (it) => {
  it.scoped("requests exactly BOT-1's allowed_updates and never drops pending updates", () =>
    withStore((store) => Effect.gen(function* () {
      const sandbox = yield* sandboxScoped()
      const { driver } = sandbox
      const alice = driver.createUser({ firstName: "Alice" })
      const group = driver.createSupergroup({ title: "G", members: [alice.id], bot: "admin" })
      driver.sendMessage(alice.id, group.id, "sent before the bot started")
      const bot = recorder()
      const proc = yield* startProcess(processLayer(PollingLive, [bot.feature], sandboxEnv(sandbox)).pipe(Layer.provide(store)))
      yield* waitUntil(() => bot.ended().length === 1)
      expect(bot.ended()).toEqual(["sent before the bot started"])

      const polls = driver.calls({ method: "getUpdates" })
      expect(polls.length).toBeGreaterThan(0)
      for (const poll of polls) {
        expect(poll.params["allowed_updates"]).toEqual([...AllowedUpdates])
        expect(poll.params["drop_pending_updates"]).toBeUndefined()
      }
      expect(driver.calls({ method: "deleteWebhook" })).toEqual([])
      yield* proc.stop
    })))

  it.scoped("confirms an offset only after handling: a killed batch is delivered again, a handled update is not redone", () =>
    withStore((store) => Effect.gen(function* () {
      const sandbox = yield* sandboxScoped()
      const { driver } = sandbox
      const alice = driver.createUser({ firstName: "Alice" })
      const bob = driver.createUser({ firstName: "Bob" })
      const group = driver.createSupergroup({ title: "G", members: [alice.id, bob.id], bot: "admin" })
      driver.sendMessage(alice.id, group.id, "done before the kill")
      driver.sendMessage(bob.id, group.id, "hang: killed midway")

      const first = recorder()
      const proc1 = yield* startProcess(processLayer(PollingLive, [first.feature], sandboxEnv(sandbox)).pipe(Layer.provide(store)))
      yield* waitUntil(() => first.ended().includes("done before the kill") && first.started().includes("hang: killed midway"))
      const pollsBefore = driver.calls({ method: "getUpdates" }).length
      yield* proc1.stop
      // Nothing of the unfinished batch was confirmed: the stop neither fetched nor confirmed again.
      expect(driver.calls({ method: "getUpdates" }).slice(pollsBefore).every((c) => c.params["offset"] === undefined)).toBe(true)
      expect(driver.pendingUpdates().length).toBe(2)

      const second = recorder()
      const proc2 = yield* startProcess(processLayer(PollingLive, [second.feature], sandboxEnv(sandbox)).pipe(Layer.provide(store)))
      yield* waitUntil(() => second.started().includes("hang: killed midway"))
      // The update that had finished was skipped through `upd:` (BOT-3).
      expect(second.started()).toEqual(["hang: killed midway"])
      yield* proc2.stop
    })))

  it.scoped("runs updates of one (chat, user) in order and different users concurrently", () =>
    withStore((store) => Effect.gen(function* () {
      const sandbox = yield* sandboxScoped()
      const { driver } = sandbox
      const alice = driver.createUser({ firstName: "Alice" })
      const bob = driver.createUser({ firstName: "Bob" })
      const group = driver.createSupergroup({ title: "G", members: [alice.id, bob.id], bot: "admin" })
      driver.sendMessage(alice.id, group.id, "slow a1")
      driver.sendMessage(alice.id, group.id, "a2")
      driver.sendMessage(bob.id, group.id, "slow b1")
      const bot = recorder()
      const proc = yield* startProcess(processLayer(PollingLive, [bot.feature], sandboxEnv(sandbox)).pipe(Layer.provide(store)))
      yield* waitUntil(() => bot.ended().length === 3)
      const index = (at: Event["at"], text: string) => bot.events.findIndex((e) => e.at === at && e.text === text)
      expect(index("end", "slow a1")).toBeLessThan(index("start", "a2"))
      // Bob's slow update started while Alice's was still running.
      expect(index("start", "slow b1")).toBeLessThan(index("end", "slow a1"))
      yield* proc.stop
      // After a clean stop the handled batch is confirmed.
      expect(driver.pendingUpdates()).toEqual([])
    })))

  it.scoped("a failing handler and a malformed-looking update never stop the loop", () =>
    withStore((store) => Effect.gen(function* () {
      const sandbox = yield* sandboxScoped()
      const { driver } = sandbox
      const alice = driver.createUser({ firstName: "Alice" })
      const group = driver.createSupergroup({ title: "G", members: [alice.id], bot: "admin" })
      const seen: Array<string> = []
      const failing: Feature<never> = (run) => {
        const composer = new Composer()
        composer.on("message:text", async (ctx) => {
          seen.push(ctx.message.text)
          if (ctx.message.text === "boom") await run(ctx, Effect.dieMessage("a bug in a handler"))
          if (ctx.message.text === "throw") throw new Error("a thrown error")
        })
        return composer
      }
      driver.sendMessage(alice.id, group.id, "boom")
      driver.sendMessage(alice.id, group.id, "throw")
      driver.sendMessage(alice.id, group.id, "fine")
      const proc = yield* startProcess(processLayer(PollingLive, [failing], sandboxEnv(sandbox)).pipe(Layer.provide(store)))
      yield* waitUntil(() => seen.includes("fine"))
      yield* proc.stop
      expect(seen).toEqual(["boom", "throw", "fine"])
      expect(driver.pendingUpdates()).toEqual([])
      const kv = yield* KeyValueStore
      expect(Option.isSome(yield* kv.get(`upd:${driver.updateHistory()[0]?.update_id ?? -1}`))).toBe(true)
    })))
  it.scoped("fetches nothing while the postgres breaker is open and resumes in order once it closes (LIM-13)", () =>
    withStore((store) => Effect.gen(function* () {
      const sandbox = yield* sandboxScoped()
      const { driver } = sandbox
      const alice = driver.createUser({ firstName: "Alice" })
      const group = driver.createSupergroup({ title: "G", members: [alice.id], bot: "admin" })
      const bot = recorder()
      const env = sandboxEnv(sandbox, { BREAKER_POSTGRES_FAILURES: "3", BREAKER_POSTGRES_OPEN_SECONDS: "1" })
      const proc = yield* startProcess(processLayer(PollingLive, [bot.feature], env).pipe(Layer.provide(store)))
      const breakers = Context.get(proc.context, CircuitBreakers)
      const guarded = <A, E>(effect: Effect.Effect<A, E>) => postgresProtected(effect).pipe(Effect.provideService(CircuitBreakers, breakers), Effect.exit)
      driver.sendMessage(alice.id, group.id, "before the outage")
      yield* waitUntil(() => bot.ended().includes("before the outage"))
      // The next long poll (confirming it) is held before the outage starts.
      yield* Effect.promise(() => driver.waitForPolling({ timeoutMs: 5000 }))

      // Three outages in a row (as PostgresBreakerLive counts them) open it.
      for (let i = 0; i < 3; i++) yield* guarded(Effect.fail(new DatabaseUnavailable({ cause: "connection refused" })))
      expect((yield* breakers.state("postgres"))._tag).toBe("open")
      // The long poll already waiting returns this one; after it, the loop must not fetch again.
      driver.sendMessage(alice.id, group.id, "fetched by the poll in flight")
      yield* waitUntil(() => bot.ended().includes("fetched by the poll in flight"))
      yield* Effect.sleep("200 millis")
      const opened = driver.mark()
      driver.sendMessage(alice.id, group.id, "sent while the database is away")
      yield* Effect.sleep("1500 millis")
      expect(driver.calls({ method: "getUpdates", after: opened })).toEqual([])
      expect(bot.started()).not.toContain("sent while the database is away")
      expect(driver.pendingUpdates().length).toBeGreaterThan(0)

      // Half-open: two successful trials close it (in the bot the SELECT 1 probe does this).
      yield* guarded(Effect.void)
      yield* guarded(Effect.void)
      expect((yield* breakers.state("postgres"))._tag).toBe("closed")
      yield* waitUntil(() => bot.ended().includes("sent while the database is away"))
      expect(bot.ended()).toEqual(["before the outage", "fetched by the poll in flight", "sent while the database is away"])
      // OPS-8 with OPS-9's 30 s long poll held by the sandbox: the stop does not wait for it.
      yield* Effect.promise(() => driver.waitForPolling({ timeoutMs: 5000 }))
      const stopping = Date.now()
      yield* proc.stop
      expect(Date.now() - stopping).toBeLessThan(3000)
      expect(driver.pendingUpdates()).toEqual([])
    })))

  it.scoped("holds the offset while the verification log cannot be written, and carries the correlation id into it", () =>
    withStore((store) => Effect.gen(function* () {
      const sandbox = yield* sandboxScoped()
      const { driver } = sandbox
      const alice = driver.createUser({ firstName: "Alice" })
      const group = driver.createSupergroup({ title: "G", members: [alice.id], bot: "admin" })
      let down = true
      const written: Array<VerificationDecision> = []
      const repo = Layer.succeed(VerificationLogRepo, VerificationLogRepo.make({
        insertMany: (rows) =>
          down ? Effect.fail(new DatabaseUnavailable({ cause: "the test says so" })) : Effect.sync(() => void written.push(...rows)),
        countByDecision: () => Effect.die("not used")
      }))
      const deciding: Feature<VerificationLog> = (run) => {
        const composer = new Composer()
        composer.on("message:text", (ctx) =>
          run(ctx, Effect.gen(function* () {
            const vlog = yield* VerificationLog
            const correlationId = Option.getOrNull(yield* currentCorrelationId)
            yield* vlog.record(new VerificationDecision({
              at: new Date(), groupId: ChatId.make(ctx.chat.id), userId: null, senderChatId: null, trigger: "message",
              decision: "pass", reason: null, channelIds: [], missingChannelIds: [], cached: null, latencyMs: null,
              errorCode: null, correlationId, instanceId: null
            }))
          })))
        return composer
      }
      driver.sendMessage(alice.id, group.id, "decided during an outage")
      const proc = yield* startProcess(
        processLayer(PollingLive, [deciding], sandboxEnv(sandbox), { verificationLogRepo: repo }).pipe(Layer.provide(store))
      )
      yield* Effect.sleep("1500 millis")
      // Handled, but its decision is not durable: no confirming getUpdates, the update is still pending.
      expect(written).toEqual([])
      expect(driver.calls({ method: "getUpdates" }).every((c) => c.params["offset"] === undefined)).toBe(true)
      expect(driver.pendingUpdates().length).toBe(1)
      down = false
      yield* waitUntil(() => driver.pendingUpdates().length === 0)
      const id = driver.updateHistory()[0]?.update_id
      expect(written.map((d) => d.correlationId)).toEqual([`upd-${id}`])
      yield* proc.stop
    })))
})
