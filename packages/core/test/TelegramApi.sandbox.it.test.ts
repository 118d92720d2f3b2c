import { describe, it } from "@effect/vitest"
import { SandboxUnderTest, TelegramApiSandboxTest } from "@nezuko/testing"
import { Duration, Effect } from "effect"
import { expect } from "vitest"
import { TelegramApi } from "../src/TelegramApi.js"

const withSandbox = <A, E>(test: (sandbox: SandboxUnderTest["Type"]) => Effect.Effect<A, E, TelegramApi>) =>
  Effect.flatMap(SandboxUnderTest, test).pipe(Effect.provide(TelegramApiSandboxTest()))

const elapsedOf = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.timed(effect), ([duration, value]) => [Duration.toMillis(duration), value] as const)

describe("TelegramApi against the sandbox", () => {
  it.live("a 429 storm: each retry waits retry_after, then the message goes out", () =>
    withSandbox((sandbox) =>
      Effect.gen(function* () {
        const telegram = yield* TelegramApi
        const group = sandbox.driver.createSupergroup({ title: "G" }).id
        sandbox.driver.injectFault({ method: "sendMessage", kind: "rateLimit", retryAfter: 1, count: 2 })
        const [ms, message] = yield* elapsedOf(telegram.sendMessage({ chat_id: group, text: "hello" }))
        expect(message.text).toBe("hello")
        expect(ms).toBeGreaterThanOrEqual(2_000)
        expect(sandbox.driver.calls({ method: "sendMessage" })).toHaveLength(3)
        expect(sandbox.driver.violations().every((v) => v.injected)).toBe(true)
      })), { timeout: 20_000 })

  it.live("a 5xx burst: a mute is retried after 1 s and 2 s and lands", () =>
    withSandbox((sandbox) =>
      Effect.gen(function* () {
        const telegram = yield* TelegramApi
        const user = sandbox.driver.createUser({ firstName: "U" }).id
        const group = sandbox.driver.createSupergroup({ title: "G", members: [user] }).id
        sandbox.driver.injectFault({ method: "restrictChatMember", kind: "error", status: 502, count: 2 })
        const [ms] = yield* elapsedOf(telegram.restrictChatMember({ chat_id: group, user_id: user, permissions: { can_send_messages: false } }))
        expect(ms).toBeGreaterThanOrEqual(2_000)
        expect(sandbox.driver.calls({ method: "restrictChatMember" })).toHaveLength(3)
        expect(sandbox.driver.member(group, user).status).toBe("restricted")
      })), { timeout: 20_000 })

  it.live("a dropped connection is a transient error: getChatMember tries again 200 ms later", () =>
    withSandbox((sandbox) =>
      Effect.gen(function* () {
        const telegram = yield* TelegramApi
        const user = sandbox.driver.createUser({ firstName: "U" }).id
        const channel = sandbox.driver.createChannel({ title: "C", members: [user] }).id
        sandbox.driver.injectFault({ method: "getChatMember", kind: "drop", count: 1 })
        const member = yield* telegram.getChatMember({ chat_id: channel, user_id: user })
        expect(member.status).toBe("member")
        expect(sandbox.driver.calls({ method: "getChatMember" })).toHaveLength(2)
      })), { timeout: 20_000 })

  it.live("latency slows a call down without failing it", () =>
    withSandbox((sandbox) =>
      Effect.gen(function* () {
        const telegram = yield* TelegramApi
        const group = sandbox.driver.createSupergroup({ title: "G" }).id
        sandbox.driver.injectFault({ method: "getChat", kind: "latency", latencyMs: 300 })
        const [ms, chat] = yield* elapsedOf(telegram.getChat({ chat_id: group }))
        expect(chat.id).toBe(group)
        expect(ms).toBeGreaterThanOrEqual(290)
      })), { timeout: 20_000 })

  it.live("five server errors open the telegram breaker: the next call never reaches the API", () =>
    withSandbox((sandbox) =>
      Effect.gen(function* () {
        const telegram = yield* TelegramApi
        sandbox.driver.injectFault({ method: "answerCallbackQuery", kind: "error", status: 503 })
        for (let i = 0; i < 5; i++) yield* Effect.exit(telegram.answerCallbackQuery({ callback_query_id: String(i) }))
        const error = yield* Effect.flip(telegram.answerCallbackQuery({ callback_query_id: "x" }))
        expect(error._tag).toBe("CircuitOpen")
        expect(sandbox.driver.calls({ method: "answerCallbackQuery" })).toHaveLength(5)
      })), { timeout: 20_000 })

  it.live("a burst of 80 messages to 8 groups stays inside Telegram's limits: no 429", () =>
    withSandbox((sandbox) =>
      Effect.gen(function* () {
        const telegram = yield* TelegramApi
        const groups = Array.from({ length: 8 }, (_, i) => sandbox.driver.createSupergroup({ title: `G${i}` }).id)
        yield* Effect.forEach(Array.from({ length: 80 }, (_, i) => i), (i) =>
          telegram.sendMessage({ chat_id: groups[i % groups.length] ?? 0, text: `m${i}` }), { concurrency: "unbounded" })
        expect(sandbox.driver.calls({ method: "sendMessage" }).filter((c) => c.ok)).toHaveLength(80)
        expect(sandbox.driver.violations()).toEqual([])
      })), { timeout: 30_000 })
})
