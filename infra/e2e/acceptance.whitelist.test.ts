import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, pendingUser, startBot, waitForDecisions } from "./botHarness.js"

const G = DEMO.group.id
const carol = DEMO.users.carol.id
const owner = DEMO.users.owner.id

const stateOf = async (h: BotHarness, userId: number) =>
  (await h.query<{ state: string }>(`SELECT state FROM restrictions WHERE group_id = ${G} AND user_id = ${userId} ORDER BY id`)).map((r) => r.state)

describe("the bot against the sandbox: /whitelist and /release (BOT-19, BOT-20)", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startBot()
  })
  afterAll(async () => {
    await h?.close()
  })

  it("BOT-20: /release <id> restores the user, deletes the prompt, closes the record as released and exempts them for admin_override_hours", async () => {
    const { promptId, user: u } = await pendingUser(h, "Rita")
    const mark = h.driver.mark()
    h.driver.sendCommand(carol, G, "release", String(u.id))
    const restore = await h.driver.waitForRestrict(G, u.id, { after: mark })
    expect((restore.params.permissions as Record<string, boolean>).can_send_messages).toBe(true)
    await h.driver.waitForDelete(G, promptId, { after: mark })
    const reply = await h.driver.waitForBotMessage(G, { after: mark })
    expect(String(reply.params.text)).toContain("Released Rita")
    expect(await stateOf(h, u.id)).toEqual(["released"])
    const [entry] = await h.query<{ hours: number; reason: string }>(
      `SELECT round(extract(epoch FROM expires_at - now()) / 3600)::int AS hours, reason FROM whitelist WHERE group_id = ${G} AND user_id = ${u.id}`)
    expect(entry).toEqual({ hours: 24, reason: "release" })
    const audit = await h.query<{ actorTgId: number }>(`SELECT actor_tg_id FROM audit_log WHERE action = 'bot.release'`)
    expect(audit.map((a) => Number(a.actorTgId))).toContain(carol)
    const released = await waitForDecisions(h, `user_id = ${u.id} AND decision = 'release'`)
    expect(released[0]).toMatchObject({ trigger: "manual", reason: "manual" })
    // The exemption holds: the next message passes without a mute.
    const quiet = h.driver.mark()
    h.driver.sendMessage(u.id, G, "thanks")
    const exempt = await waitForDecisions(h, `user_id = ${u.id} AND decision = 'exempt'`)
    expect(exempt[0]?.reason).toBe("whitelist")
    expect(h.driver.calls({ after: quiet }).some((c) => c.method === "restrictChatMember")).toBe(false)
  })

  it("BOT-19: /whitelist add @username releases a pending user; /whitelist lists; /whitelist remove by reply", async () => {
    const { promptId, user: u } = await pendingUser(h, "Walt", "walt_w")
    const mark = h.driver.mark()
    h.driver.sendCommand(carol, G, "whitelist", "add @walt_w")
    const restore = await h.driver.waitForRestrict(G, u.id, { after: mark })
    expect((restore.params.permissions as Record<string, boolean>).can_send_messages).toBe(true)
    await h.driver.waitForDelete(G, promptId, { after: mark })
    expect(String((await h.driver.waitForBotMessage(G, { after: mark })).params.text)).toContain("is whitelisted here")
    expect(await stateOf(h, u.id)).toEqual(["released"])
    const [entry] = await h.query<{ expiresAt: Date | null }>(`SELECT expires_at FROM whitelist WHERE group_id = ${G} AND user_id = ${u.id}`)
    expect(entry).toEqual({ expiresAt: null })

    const listMark = h.driver.mark()
    h.driver.sendCommand(carol, G, "whitelist")
    const list = String((await h.driver.waitForBotMessage(G, { after: listMark })).params.text)
    expect(list).toContain("Whitelist")
    expect(list).toContain(`<code>${u.id}</code>`)
    expect(list).toContain("@walt_w")

    // Walt writes again (exempt, so the message stays); Carol replies to it.
    const said = h.driver.sendMessage(u.id, G, "still here")
    await waitForDecisions(h, `user_id = ${u.id} AND decision = 'exempt'`)
    const removeMark = h.driver.mark()
    h.driver.sendCommand(carol, G, "whitelist", "remove", { replyTo: said.message_id })
    expect(String((await h.driver.waitForBotMessage(G, { after: removeMark })).params.text)).toContain("no longer whitelisted")
    expect(await h.query(`SELECT 1 FROM whitelist WHERE group_id = ${G} AND user_id = ${u.id}`)).toEqual([])
    const audit = await h.query<{ newValue: { whitelisted: boolean } }>(`SELECT new_value FROM audit_log WHERE action = 'bot.whitelist' ORDER BY id`)
    expect(audit.map((a) => a.newValue.whitelisted)).toEqual([true, false])
  })

  it("BOT-20: /release all releases every pending user of the group (a release_all job)", async () => {
    const a = await pendingUser(h, "Amy")
    const b = await pendingUser(h, "Ben")
    const mark = h.driver.mark()
    h.driver.sendCommand(carol, G, "release", "all")
    expect(String((await h.driver.waitForBotMessage(G, { after: mark })).params.text)).toContain("Releasing 2 pending members")
    await h.driver.waitForRestrict(G, a.user.id, { after: mark })
    await h.driver.waitForRestrict(G, b.user.id, { after: mark })
    await h.driver.waitForDelete(G, a.promptId, { after: mark })
    await h.driver.waitForDelete(G, b.promptId, { after: mark })
    expect(await stateOf(h, a.user.id)).toEqual(["released"])
    expect(await stateOf(h, b.user.id)).toEqual(["released"])
    // The job completes right after its last call.
    let jobs: ReadonlyArray<{ state: string }> = []
    for (const deadline = Date.now() + 5_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      jobs = await h.query<{ state: string }>(`SELECT state FROM scheduled_jobs WHERE kind = 'release_all'`)
      if (jobs[0]?.state === "done") break
    }
    expect(jobs).toEqual([{ state: "done" }])
  })

  it("an unknown @username or a missing target gets a hint and changes nothing", async () => {
    const mark = h.driver.mark()
    // Carol has used her 5 commands of this minute (BOT-54); the group's owner asks instead.
    h.driver.sendCommand(owner, G, "release", "@nobody_known")
    expect(String((await h.driver.waitForBotMessage(G, { after: mark })).params.text)).toContain("I don't know @nobody_known yet")
    const usage = h.driver.mark()
    h.driver.sendCommand(owner, G, "release")
    expect(String((await h.driver.waitForBotMessage(G, { after: usage })).params.text)).toContain("Use /release with a reply")
    expect(h.driver.calls({ after: mark }).some((c) => c.method === "restrictChatMember")).toBe(false)
  })
})
