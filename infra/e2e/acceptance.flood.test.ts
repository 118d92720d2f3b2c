import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, startBot } from "./botHarness.js"

const G = DEMO.group.id
const { alice, carol } = DEMO.users

describe("incoming flood control (BOT-54)", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startBot()
  })
  afterAll(async () => {
    await h?.close()
  })

  const helpReplies = (after: number) =>
    h.driver.calls({ method: "sendMessage", after }).filter((c) => c.ok && Number(c.params.chat_id) === G)

  it("at most 5 commands per user per group in a minute are run; the excess is ignored, other users are not affected", async () => {
    const mark = h.driver.mark()
    for (let i = 0; i < 8; i++) h.driver.sendCommand(alice.id, G, "help")
    await h.driver.waitUntil(() => helpReplies(mark).length >= 5, { timeoutMs: 15_000 })
    // Give the three excess commands time to (not) be answered.
    await new Promise((r) => setTimeout(r, 2_000))
    expect(helpReplies(mark)).toHaveLength(5)

    // Another user's command in the same minute still runs.
    const next = h.driver.mark()
    h.driver.sendCommand(carol.id, G, "help")
    await h.driver.waitUntil(() => helpReplies(next).length >= 1, { timeoutMs: 10_000 })
    await new Promise((r) => setTimeout(r, 500))
    expect(helpReplies(next)).toHaveLength(1)
    // And Alice's sixth command is still ignored.
    const again = h.driver.mark()
    h.driver.sendCommand(alice.id, G, "help")
    await new Promise((r) => setTimeout(r, 1_500))
    expect(helpReplies(again)).toHaveLength(0)
  }, 40_000)
})
