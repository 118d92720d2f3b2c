import { makeBotLive } from "@nezuko/bot"
import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, startNezuko } from "./botHarness.js"
import { eventually } from "./support.js"

const G = DEMO.group.id

// The bot benchmark's intake floor runs this graph: it must take and confirm updates like the real bot
// (OPS-9) while enforcing nothing, or the floor would not measure what the README says it does.
describe("the bot process without features (makeBotLive([]), the bot benchmark's intake floor)", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startNezuko({
      sandbox: { demo: true },
      world: () => [{ group: DEMO.group, channels: [DEMO.channel, DEMO.news], protectedBy: DEMO.users.carol.id }],
      bot: makeBotLive([])
    })
  })
  afterAll(async () => {
    await h?.close()
  })

  it("confirms every update once handled and decides nothing, even for a non-member of a protected group", async () => {
    const stranger = h.driver.createUser({ firstName: "Stranger" })
    h.driver.setMember(G, stranger.id, { status: "member" }, { silent: true })
    const mark = h.driver.mark()
    for (let i = 0; i < 5; i++) h.driver.sendMessage(stranger.id, G, `message ${i}`)
    await eventually(async () => h.driver.pendingUpdates().length === 0, 10_000, "the five updates confirmed")
    expect(h.driver.calls({ after: mark }).filter((c) => c.method !== "getUpdates").map((c) => c.method)).toEqual([])
    expect(await h.query<{ n: number }>("SELECT count(*)::int AS n FROM verification_log")).toEqual([{ n: 0 }])
  })
})
