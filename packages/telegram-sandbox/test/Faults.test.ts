import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type RunningSandbox, startSandbox } from "../src/index.js"
import { api } from "./helpers.js"

describe("fault injection", () => {
  let sandbox: RunningSandbox
  let group: number
  let user: number

  beforeEach(async () => {
    sandbox = await startSandbox()
    user = sandbox.driver.createUser({ firstName: "U" }).id
    group = sandbox.driver.createSupergroup({ title: "G", members: [user] }).id
  })
  afterEach(() => sandbox.close())

  const restrict = () => api(sandbox, "restrictChatMember", { chat_id: group, user_id: user, permissions: { can_send_messages: false } })

  it("the next N calls of a method get an injected 429, distinguishable from organic ones", async () => {
    sandbox.driver.injectFault({ method: "restrictChatMember", kind: "rateLimit", retryAfter: 3, count: 1 })
    expect(await restrict()).toEqual({ ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } })
    expect((await restrict()).ok).toBe(true)
    expect(sandbox.driver.violations()).toEqual([expect.objectContaining({ method: "restrictChatMember", scope: "injected", injected: true, retryAfter: 3, chatId: group })])
    expect(sandbox.driver.calls({ method: "restrictChatMember" }).map((c) => [c.ok, c.injected])).toEqual([
      [false, "rateLimit"],
      [true, undefined]
    ])
    expect(sandbox.driver.faults()).toEqual([])
  })

  it("5xx answers with Telegram's texts and the state is untouched", async () => {
    sandbox.driver.injectFault({ method: "restrictChatMember", kind: "error", status: 502 })
    expect(await restrict()).toEqual({ ok: false, error_code: 502, description: "Bad Gateway" })
    expect(sandbox.driver.member(group, user).status).toBe("member")
    sandbox.driver.clearFaults("restrictChatMember")
    sandbox.driver.injectFault({ method: "*", kind: "error", status: 500, count: 1 })
    expect(await api(sandbox, "getMe")).toEqual({ ok: false, error_code: 500, description: "Internal Server Error" })
  })

  it("latency delays the call; a dropped connection destroys the socket", async () => {
    sandbox.driver.injectFault({ method: "getMe", kind: "latency", latencyMs: 150, count: 1 })
    const started = performance.now()
    expect((await api(sandbox, "getMe")).ok).toBe(true)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
    expect(sandbox.driver.calls({ method: "getMe" })[0]?.injected).toBe("latency")
    sandbox.driver.injectFault({ method: "getMe", kind: "drop", count: 1 })
    await expect(api(sandbox, "getMe")).rejects.toThrow()
    expect(sandbox.driver.calls({ method: "getMe" }).at(-1)).toMatchObject({ ok: false, errorCode: 0, injected: "drop" })
  })

  it("probabilistic faults are reproducible with the same seed", async () => {
    const outcomes = async (): Promise<Array<boolean>> => {
      const fresh = await startSandbox({ seed: 7 })
      fresh.driver.injectFault({ method: "getMe", kind: "error", probability: 0.5 })
      const results: Array<boolean> = []
      for (let i = 0; i < 20; i++) results.push((await api(fresh, "getMe")).ok)
      await fresh.close()
      return results
    }
    const first = await outcomes()
    expect(first).toEqual(await outcomes())
    expect(first.filter((x) => x).length).toBeGreaterThan(3)
    expect(first.filter((x) => !x).length).toBeGreaterThan(3)
  })
})
