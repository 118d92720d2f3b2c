import { afterEach, describe, expect, it } from "vitest"
import { type RunningSandbox, startSandbox } from "../src/index.js"
import { api, manualClock } from "./helpers.js"

describe("flood limits", () => {
  let sandbox: RunningSandbox | undefined
  afterEach(() => sandbox?.close())

  it("more than 30 messages in a sliding second get 429 with retry_after, and the violation is recorded", async () => {
    const clock = manualClock()
    sandbox = await startSandbox({ now: clock.now })
    const users = Array.from({ length: 31 }, (_, i) => sandbox?.driver.createUser({ firstName: `U${i}`, startedBot: true }).id ?? 0)
    const results = []
    for (const user of users) results.push(await api(sandbox, "sendMessage", { chat_id: user, text: "hi" }))
    expect(results.slice(0, 30).every((r) => r.ok)).toBe(true)
    expect(results[30]).toEqual({ ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } })
    expect(sandbox.driver.violations()).toEqual([{ at: clock.now(), method: "sendMessage", chatId: users[30], scope: "global", retryAfter: 1, injected: false }])
    clock.advance(1001)
    expect((await api(sandbox, "sendMessage", { chat_id: users[30], text: "hi" })).ok).toBe(true)
  })

  it("more than 20 messages a minute to one group get 429; other calls and other chats are unaffected", async () => {
    const clock = manualClock()
    sandbox = await startSandbox({ now: clock.now })
    const group = sandbox.driver.createSupergroup({ title: "G" }).id
    const other = sandbox.driver.createSupergroup({ title: "H" }).id
    for (let i = 0; i < 20; i++) {
      expect((await api(sandbox, "sendMessage", { chat_id: group, text: `m${i}` })).ok).toBe(true)
      clock.advance(1000)
    }
    const refused = await api(sandbox, "sendMessage", { chat_id: group, text: "one too many" })
    expect(refused.error_code).toBe(429)
    expect(refused.parameters?.retry_after).toBe(40)
    expect((await api(sandbox, "editMessageText", { chat_id: group, message_id: 1, text: "edit" })).error_code).toBe(429)
    expect((await api(sandbox, "getChat", { chat_id: group })).ok).toBe(true)
    expect((await api(sandbox, "sendMessage", { chat_id: other, text: "fine" })).ok).toBe(true)
    expect(sandbox.driver.violations().map((v) => [v.scope, v.method, v.chatId])).toEqual([
      ["chat", "sendMessage", group],
      ["chat", "editMessageText", group]
    ])
  })

  it("limits are configurable and can be switched off", async () => {
    sandbox = await startSandbox({ limits: { globalPerSecond: 2 } })
    const user = sandbox.driver.createUser({ firstName: "U", startedBot: true }).id
    await api(sandbox, "sendMessage", { chat_id: user, text: "1" })
    await api(sandbox, "sendMessage", { chat_id: user, text: "2" })
    expect((await api(sandbox, "sendMessage", { chat_id: user, text: "3" })).error_code).toBe(429)
    sandbox.driver.setLimits({ enabled: false })
    expect((await api(sandbox, "sendMessage", { chat_id: user, text: "4" })).ok).toBe(true)
  })
})
