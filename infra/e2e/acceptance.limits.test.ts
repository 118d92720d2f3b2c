import { DEMO, isMessageProducing, paramNumber } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, newUser, startNezuko, waitForDecisions } from "./botHarness.js"
import { eventually, maxInWindow, metricSample } from "./support.js"

const G = DEMO.group.id
const GROUPS = 10
const JOINERS_PER_GROUP = 20

const metrics = async (h: BotHarness) => (await fetch(`${h.health}/metrics`)).text()

describe("the bot against the sandbox: Telegram's limits (AT-16, LIM-1, LIM-2, LIM-5)", () => {
  let h: BotHarness
  let groups: ReadonlyArray<{ id: number; title: string }> = []
  beforeAll(async () => {
    h = await startNezuko({
      serveHealth: true,
      sandbox: { demo: true },
      world: (d) => {
        groups = Array.from({ length: GROUPS }, (_, i) => {
          const g = d.createSupergroup({ title: `Limits Group ${i}`, ownerId: DEMO.users.owner.id, bot: "admin" })
          return { id: g.id, title: g.title ?? "" }
        })
        return [DEMO.group, ...groups].map((group) => ({ group, channels: [DEMO.channel, DEMO.news], protectedBy: DEMO.users.carol.id }))
      }
    })
  })
  afterAll(async () => {
    await h?.close()
  })

  it("AT-16: a mute answered with 429 retry_after 3 is retried once, 3 s later, and the 429 is counted", async () => {
    const u = newUser(h, "Throttled")
    h.driver.injectFault({ method: "restrictChatMember", kind: "rateLimit", retryAfter: 3, count: 1 })
    const mark = h.driver.mark()
    h.driver.sendMessage(u.id, G, "hi")
    await h.driver.waitForCall((c) => c.method === "restrictChatMember" && c.ok && Number(c.params.user_id) === u.id, { after: mark, timeoutMs: 15_000 })
    const attempts = h.driver.calls({ method: "restrictChatMember", after: mark }).filter((c) => Number(c.params.user_id) === u.id)
    expect(attempts.map((c) => ({ ok: c.ok, errorCode: c.errorCode, injected: c.injected }))).toEqual([
      { ok: false, errorCode: 429, injected: "rateLimit" },
      { ok: true, errorCode: undefined, injected: undefined }
    ])
    const [first, second] = attempts
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(3_000)
    await waitForDecisions(h, `user_id = ${u.id} AND decision = 'restrict'`)
    const text = await metrics(h)
    expect(metricSample(text, "nezuko_telegram_calls_total", { method: "restrictChatMember", outcome: "rate_limited" })).toBe(1)
    expect(metricSample(text, "nezuko_telegram_retry_after_seconds_count")).toBe(1)
  }, 30_000)

  it("AT-16: 200 non-subscribers joining 10 groups at once stay within 25 sends a second and 20 per group a minute", async () => {
    const d = h.driver
    const joiners = groups.map((g, gi) => Array.from({ length: JOINERS_PER_GROUP }, (_, i) => ({ group: g.id, user: d.createUser({ firstName: `Joiner${gi}_${i}` }) })))
    const burst = d.mark()
    const started = Date.now()
    // Interleaved across groups, as a raid on several groups arrives.
    for (let i = 0; i < JOINERS_PER_GROUP; i++) {
      for (const row of joiners) {
        const j = row[i]
        if (j !== undefined) d.joinChat(j.user.id, j.group)
      }
    }
    const everyone = joiners.flat()
    await waitForDecisions(h, `trigger = 'join' AND decision = 'restrict' AND group_id <> ${G}`, everyone.length, 60_000)
    // The prompts trail the mutes (the per-group budget and LIM-9 coalescing): wait until every joiner is named.
    const promptText = (groupId: number) =>
      d.calls({ method: "sendMessage", after: burst }).filter((c) => c.ok && paramNumber(c, "chat_id") === groupId).map((c) => String(c.params.text))
    await eventually(async () =>
      everyone.every((j) => promptText(j.group).some((t) => t.includes(`tg://user?id=${j.user.id}`))), 45_000, "a prompt naming every joiner")
    const elapsed = Date.now() - started

    const calls = d.calls({ after: burst })
    const restricted = new Set(calls.filter((c) => c.method === "restrictChatMember" && c.ok).map((c) => Number(c.params.user_id)))
    expect(everyone.filter((j) => !restricted.has(j.user.id))).toEqual([])
    const sends = calls.filter((c) => isMessageProducing(c.method))
    const perSecond = maxInWindow(sends.map((c) => c.at), 1_000)
    // The burst is shorter than a minute, so the 60 s window is measured over all of it.
    const perGroup = groups.map((g) => maxInWindow(sends.filter((c) => paramNumber(c, "chat_id") === g.id).map((c) => c.at), 60_000))
    console.info(JSON.stringify({ sends: sends.length, maxSendsPerSecond: perSecond, maxPerGroupPerMinute: Math.max(...perGroup), elapsedMs: elapsed }))
    expect(elapsed).toBeLessThan(60_000)
    expect(sends.length).toBeGreaterThanOrEqual(GROUPS)
    expect(perSecond).toBeLessThanOrEqual(25)
    for (const n of perGroup) expect(n).toBeLessThanOrEqual(20)
    expect(d.violations().filter((v) => !v.injected)).toEqual([])
  }, 120_000)
})
