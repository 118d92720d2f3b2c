import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, newUser, startBot, waitForDecisions } from "./botHarness.js"

const G = DEMO.group.id
const { carol } = DEMO.users

interface JobRow {
  readonly id: number
  readonly state: string
  readonly result: { checked: number; not_subscribed: number; errors: number; duration_ms: number; mode: string } | null
}

describe("the bot against the sandbox: batch scans (BOT-48)", () => {
  let h: BotHarness
  const outsiders: Array<{ id: number }> = []
  const subscribers: Array<{ id: number }> = []
  beforeAll(async () => {
    h = await startBot()
    for (let i = 0; i < 12; i++) outsiders.push(newUser(h, `Outsider${i}`))
    for (let i = 0; i < 2; i++) {
      const u = newUser(h, `Subscriber${i}`)
      h.driver.setMember(DEMO.channel.id, u.id, { status: "member" }, { silent: true })
      h.driver.setMember(DEMO.news.id, u.id, { status: "member" }, { silent: true })
      subscribers.push(u)
    }
    const whitelisted = newUser(h, "Friend")
    const stale = newUser(h, "LongGone")
    const seen = (id: number, name: string, extra: { bot?: boolean; lastSeen?: string } = {}) =>
      h.query(`INSERT INTO tg_users (user_id, first_name, is_bot) VALUES (${id}, '${name}', ${extra.bot === true}) ON CONFLICT DO NOTHING;
               INSERT INTO group_members (group_id, user_id, status, last_seen_at) VALUES (${G}, ${id}, 'member', ${extra.lastSeen ?? "now()"}) ON CONFLICT DO NOTHING`)
    for (const [i, u] of outsiders.entries()) await seen(u.id, `Outsider${i}`)
    for (const [i, u] of subscribers.entries()) await seen(u.id, `Subscriber${i}`)
    await seen(whitelisted.id, "Friend")
    await h.query(`INSERT INTO whitelist (group_id, user_id) VALUES (${G}, ${whitelisted.id})`)
    await seen(stale.id, "LongGone", { lastSeen: "now() - interval '40 days'" })
    await seen(carol.id, "Carol") // an admin, known to ChatAdmins only
    await seen(9_900_001, "SomeBot", { bot: true })
  })
  afterAll(async () => {
    await h?.close()
  })

  const waitForJob = async (after: number, timeoutMs = 60_000): Promise<JobRow> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const rows = await h.query<JobRow>(`SELECT id, state, result FROM scheduled_jobs WHERE kind = 'batch_scan' AND id > ${after} ORDER BY id`)
      const done = rows.find((r) => r.state === "done" || r.state === "dead" || r.state === "failed")
      if (done !== undefined) return done
      if (Date.now() > deadline) throw new Error(`batch scan not done: ${JSON.stringify(rows)}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  it("warm: turning protection on scans the recent members at 5 checks a second, records decisions and mutes nobody", async () => {
    const mark = h.driver.mark()
    h.driver.sendCommand(carol.id, G, "unprotect")
    await h.driver.waitForBotMessage(G, { after: mark })
    const before = h.driver.mark()
    h.driver.sendCommand(carol.id, G, "protect")
    const job = await waitForJob(0)
    expect(job.state).toBe("done")
    expect(job.result).toMatchObject({ mode: "warm", checked: 14, not_subscribed: 12, errors: 0 })
    expect(job.result?.duration_ms).toBeGreaterThanOrEqual(13 * 200)
    const rows = await waitForDecisions(h, `trigger = 'batch'`, 14)
    expect(rows.filter((r) => r.decision === "pass")).toHaveLength(2)
    expect(rows.filter((r) => r.decision === "still_missing")).toHaveLength(12)
    const calls = h.driver.calls({ after: before })
    expect(calls.filter((c) => c.method === "restrictChatMember")).toEqual([])
    const inChannel = calls.filter((c) => c.method === "getChatMember" && Number(c.params.chat_id) === DEMO.channel.id).map((c) => Number(c.params.user_id))
    // The admin is not scanned: her one look-up is /protect's probe of the caller (BOT-13 step 6), beside its
    // look-up of the bot itself (step 5; a bot token starts with the bot's id).
    const botId = Number(h.sandbox.token.split(":")[0])
    expect(inChannel.filter((id) => id === carol.id).length).toBeLessThanOrEqual(1)
    expect(new Set(inChannel.filter((id) => id !== carol.id && id !== botId)).size).toBe(14)
  }, 90_000)

  it("restrict in a dry run (BOT-52): records dry_run for the non-subscribers and makes no moderation call", async () => {
    await h.setSetting(G, "batch_mode", "restrict")
    await h.setSetting(G, "dry_run", true)
    const last = await h.query<{ id: number }>(`SELECT coalesce(max(id), 0)::int AS id FROM scheduled_jobs`)
    const lastDecision = await h.query<{ id: number }>(`SELECT coalesce(max(id), 0)::int AS id FROM verification_log`)
    const mark = h.driver.mark()
    await h.query(`INSERT INTO scheduled_jobs (kind, run_at, payload, dedupe_key) VALUES ('batch_scan', now(), '{"group_id": ${G}}', 'batch_scan:${G}')`)
    const job = await waitForJob(last[0]?.id ?? 0)
    expect(job.result).toMatchObject({ mode: "restrict", checked: 14, not_subscribed: 12 })
    const rows = await waitForDecisions(h, `trigger = 'batch' AND id > ${lastDecision[0]?.id ?? 0}`, 14)
    expect(rows.filter((r) => r.decision === "dry_run" && r.reason === "would_restrict")).toHaveLength(12)
    expect(h.driver.calls({ after: mark }).filter((c) => ["restrictChatMember", "sendMessage", "deleteMessage"].includes(c.method))).toEqual([])
    expect(await h.query(`SELECT 1 FROM restrictions WHERE group_id = ${G} AND trigger = 'batch'`)).toEqual([])
    await h.setSetting(G, "dry_run", false)
  }, 90_000)

  it("restrict: mutes the non-subscribers without single prompts and sends one nz:vp prompt per 10 users", async () => {
    const last = await h.query<{ id: number }>(`SELECT coalesce(max(id), 0)::int AS id FROM scheduled_jobs`)
    const mark = h.driver.mark()
    await h.query(`INSERT INTO scheduled_jobs (kind, run_at, payload, dedupe_key) VALUES ('batch_scan', now(), '{"group_id": ${G}}', 'batch_scan:${G}')`)
    const job = await waitForJob(last[0]?.id ?? 0)
    expect(job.result).toMatchObject({ mode: "restrict", checked: 14, not_subscribed: 12 })
    const calls = h.driver.calls({ after: mark })
    const restricted = new Set(calls.filter((c) => c.method === "restrictChatMember").map((c) => Number(c.params.user_id)))
    expect(outsiders.every((u) => restricted.has(u.id))).toBe(true)
    expect(subscribers.some((u) => restricted.has(u.id))).toBe(false)
    const prompts = calls.filter((c) => c.method === "sendMessage" && Number(c.params.chat_id) === G && c.ok)
    expect(prompts).toHaveLength(2)
    for (const p of prompts) expect(JSON.stringify(p.params.reply_markup)).toContain("nz:vp")
    const mentions = prompts.map((p) => (String(p.params.text).match(/tg:\/\/user\?id=/g) ?? []).length).sort((a, b) => b - a)
    expect(mentions).toEqual([10, 2])
    const pending = await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM restrictions WHERE group_id = ${G} AND trigger = 'batch' AND state = 'pending' AND prompt_message_id IS NOT NULL`)
    expect(pending).toEqual([{ n: 12 }])
    // BOT-29: each goes after prompt_ttl_seconds like a single prompt.
    for (const p of prompts) {
      const messageId = (p.result as { message_id: number }).message_id
      await expect.poll(() => h.query(`SELECT state FROM scheduled_jobs WHERE dedupe_key = 'prompt_delete:${G}:${messageId}'`), { timeout: 5_000 })
        .toEqual([{ state: "queued" }])
    }
  }, 90_000)

  it("BOT-37: a press on a combined prompt by someone whose channels changed leaves the prompt working for the others", async () => {
    const [first, second] = outsiders
    if (first === undefined || second === undefined) throw new Error("no outsiders")
    const rows = await h.query<{ promptMessageId: number }>(`SELECT prompt_message_id FROM restrictions WHERE group_id = ${G} AND user_id = ${first.id} AND state = 'pending'`)
    const prompt = Number(rows[0]?.promptMessageId)
    expect(await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM restrictions WHERE prompt_message_id = ${prompt} AND user_id = ${second.id}`)).toEqual([{ n: 1 }])
    // The first one joins one of the two channels: their missing list shrinks, which used to rewrite the keyboard.
    h.driver.setMember(DEMO.channel.id, first.id, { status: "member" }, { silent: true })
    const pressed = h.driver.pressButton(first.id, G, prompt, { data: "nz:vp" })
    expect((await h.driver.waitForAnswer(pressed)).text).toContain(DEMO.news.title)
    // Its decision is recorded after any edit of the prompt: once it is there, the keyboard is what stays.
    await waitForDecisions(h, `user_id = ${first.id} AND trigger = 'button'`)
    const other = h.driver.pressButton(second.id, G, prompt, { data: "nz:vp" })
    const answer = await h.driver.waitForAnswer(other)
    expect(answer.text).not.toContain("isn't for you")
    expect(answer.text).toContain(DEMO.channel.title)
  }, 30_000)
})
