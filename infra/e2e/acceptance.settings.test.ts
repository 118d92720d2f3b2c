import { KeyValueStore } from "@nezuko/core"
import { DEMO } from "@nezuko/telegram-sandbox"
import { Effect, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, newUser as makeUser, pendingUser, promptFor as promptOf, startBot, waitForDecisions } from "./botHarness.js"

const G = DEMO.group.id
const C = DEMO.channel
const N = DEMO.news
const { alice, bob, erin } = DEMO.users

describe("the bot against the sandbox: settings, anonymous admins, bursts, unlinking", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startBot()
  })
  afterAll(async () => {
    await h?.close()
  })

  const newUser = (firstName: string, inGroup = true) => makeUser(h, firstName, inGroup)
  const promptFor = (userId: number, after: number) => promptOf(h, userId, after)
  /** A supergroup of its own, protected by carol with the demo channel. */
  const protectedGroup = async (title: string) => {
    const g = h.driver.createSupergroup({ title, ownerId: DEMO.users.carol.id, bot: "admin" }).id
    const protect = h.driver.mark()
    h.driver.sendCommand(DEMO.users.carol.id, g, "protect", `@${C.username}`)
    expect(String((await h.driver.waitForBotMessage(g, { after: protect })).params.text)).toContain("Protection is on")
    return g
  }
  /** `/settings` from `admin`: the settings message (BOT-18) and a mark taken before the command. */
  const openSettings = async (admin: number) => {
    const mark = h.driver.mark()
    h.driver.sendCommand(admin, G, "settings")
    const panel = await h.driver.waitForBotMessage(G, { after: mark })
    return { mark, panel, messageId: (panel.result as { message_id: number }).message_id }
  }

  it("BOT-18/BOT-52: /settings cycles a key in place for admins only; dry run decides without moderation calls", async () => {
    const carol = DEMO.users.carol.id
    const { mark, panel, messageId } = await openSettings(carol)
    const denied = h.driver.pressButton(alice.id, G, messageId, { data: "nz:s:dry_run" })
    expect(await h.driver.waitForAnswer(denied)).toMatchObject({ text: "Admins only", showAlert: true })
    const press = h.driver.pressButton(carol, G, messageId, { data: "nz:s:dry_run" })
    await h.driver.waitForAnswer(press)
    const edit = await h.driver.waitForCall((c) => c.method === "editMessageText", { after: mark })
    expect(JSON.stringify(edit.params.reply_markup)).toContain("Dry run: on")
    const u = newUser("Dora")
    const quiet = h.driver.mark()
    h.driver.sendMessage(u.id, G, "test")
    const rows = await waitForDecisions(h, `user_id = ${u.id}`)
    expect(rows[0]).toMatchObject({ decision: "dry_run", reason: "would_restrict" })
    expect(h.driver.calls({ after: quiet }).some((c) => ["deleteMessage", "restrictChatMember", "sendMessage"].includes(c.method))).toBe(false)
    const audit = await h.query<{ action: string; newValue: unknown }>(`SELECT action, new_value FROM audit_log WHERE action = 'bot.settings'`)
    expect(audit.at(-1)).toMatchObject({ newValue: { dry_run: true } })
    const off = h.driver.pressButton(carol, G, messageId, { data: "nz:s:dry_run" })
    await h.driver.waitForAnswer(off)
  })

  it("BOT-46: with the gate on, /settings creates a join-request link for admins; without the invite right it says so", async () => {
    const carol = DEMO.users.carol.id
    const { mark, panel, messageId } = await openSettings(carol)
    expect(JSON.stringify(panel.params.reply_markup)).not.toContain("nz:s:gate_link")
    await h.driver.waitForAnswer(h.driver.pressButton(carol, G, messageId, { data: "nz:s:join_gate" }))
    const gateOn = await h.driver.waitForCall((c) => c.method === "editMessageText" && JSON.stringify(c.params.reply_markup).includes("nz:s:gate_link"), { after: mark })
    expect(JSON.stringify(gateOn.params.reply_markup)).toContain("Create join-request link")

    const denied = h.driver.pressButton(alice.id, G, messageId, { data: "nz:s:gate_link" })
    expect(await h.driver.waitForAnswer(denied)).toMatchObject({ text: "Admins only", showAlert: true })
    expect(h.driver.calls({ method: "createChatInviteLink", after: mark })).toEqual([])

    const pressed = h.driver.mark()
    await h.driver.waitForAnswer(h.driver.pressButton(carol, G, messageId, { data: "nz:s:gate_link" }))
    const created = await h.driver.waitForCall((c) => c.method === "createChatInviteLink" && c.ok, { after: pressed })
    expect(created.params).toMatchObject({ chat_id: G, creates_join_request: true, name: "Nezuko gate" })
    const link = (created.result as { invite_link: string }).invite_link
    const shown = await h.driver.waitForCall((c) => c.method === "editMessageText" && String(c.params.text).includes(link), { after: pressed })
    expect(JSON.stringify(shown.params.reply_markup)).toContain("nz:s:gate_link")
    const audit = await h.query<{ actorTgId: number; newValue: unknown }>(`SELECT actor_tg_id, new_value FROM audit_log WHERE action = 'bot.gate_link_created'`)
    expect(audit).toEqual([{ actorTgId: carol, newValue: { invite_link: link, name: "Nezuko gate" } }])

    // Taken without an update reaching the bot (silent), so the bot still believes it has the right and asks.
    h.driver.setBotRights(G, { can_invite_users: false }, { silent: true })
    try {
      const refused = h.driver.pressButton(carol, G, messageId, { data: "nz:s:gate_link" })
      expect(await h.driver.waitForAnswer(refused)).toMatchObject({ text: "I need the “Invite users via link” right to create the link.", showAlert: true })
    } finally {
      h.driver.setBotRights(G, { can_invite_users: true }, { silent: true })
    }
    await h.driver.waitForAnswer(h.driver.pressButton(carol, G, messageId, { data: "nz:s:join_gate" }))
    const gateOff = await h.driver.waitForCall((c) => c.method === "editMessageText" && JSON.stringify(c.params.reply_markup).includes("Join-request gate: off"), { after: pressed })
    expect(JSON.stringify(gateOff.params.reply_markup)).not.toContain("nz:s:gate_link")
  })

  it("BOT-6: an anonymous admin's command waits for an authorized admin to confirm it", async () => {
    const carol = DEMO.users.carol.id
    const mark = h.driver.mark()
    h.driver.postAsAnonymousAdmin(carol, G, "/status")
    const ask = await h.driver.waitForBotMessage(G, { after: mark })
    expect(String(ask.params.text)).toContain("Anonymous admin: tap to confirm /status")
    const askId = (ask.result as { message_id: number }).message_id
    // BOT-8: if nobody confirms, the question and the command are deleted when the token expires (120 s).
    const cleanup = () => h.query<{ runAt: Date }>(
      `SELECT run_at FROM scheduled_jobs WHERE kind = 'auto_delete' AND payload @> '{"chat_id": ${G}, "message_id": ${askId}}'`)
    await expect.poll(async () => (await cleanup()).length, { timeout: 5_000 }).toBe(1)
    expect(Math.abs(((await cleanup())[0]?.runAt.getTime() ?? 0) - ask.at - 120_000)).toBeLessThan(10_000)
    const denied = h.driver.pressButton(alice.id, G, askId, { text: "✅ Confirm" })
    expect(await h.driver.waitForAnswer(denied)).toMatchObject({ text: "Only admins can confirm this", showAlert: true })
    const confirmMark = h.driver.mark()
    h.driver.pressButton(carol, G, askId, { text: "✅ Confirm" })
    const status = await h.driver.waitForBotMessage(G, { after: confirmMark })
    expect(String(status.params.text)).toContain("protection on")

    // Two admins pressing at once: the command runs once.
    const again = h.driver.mark()
    h.driver.postAsAnonymousAdmin(carol, G, "/status")
    const second = await h.driver.waitForBotMessage(G, { after: again })
    const secondId = (second.result as { message_id: number }).message_id
    const both = h.driver.mark()
    const presses = [carol, DEMO.users.owner.id].map((admin) => h.driver.pressButton(admin, G, secondId, { text: "✅ Confirm" }))
    const answers = await Promise.all(presses.map((id) => h.driver.waitForAnswer(id)))
    expect(answers.filter((a) => a.showAlert === true)).toHaveLength(1)
    await h.driver.waitForBotMessage(G, { after: both })
    await new Promise((r) => setTimeout(r, 1_000))
    const replies = h.driver.calls({ method: "sendMessage", after: both }).filter((c) => Number(c.params.chat_id) === G && String(c.params.text).includes("protection on"))
    expect(replies).toHaveLength(1)
  })

  it("BOT-27: a burst from one non-subscriber gives one mute and one prompt, and every message is deleted", async () => {
    const u = newUser("Burt")
    const mark = h.driver.mark()
    const sent = Array.from({ length: 6 }, (_, i) => h.driver.sendMessage(u.id, G, `spam ${i}`))
    await Promise.all(sent.map((m) => h.driver.waitForDelete(G, m.message_id, { after: mark })))
    await waitForDecisions(h, `user_id = ${u.id}`, 6)
    const calls = h.driver.calls({ after: mark })
    expect(calls.filter((c) => c.method === "restrictChatMember" && Number(c.params.user_id) === u.id)).toHaveLength(1)
    expect(calls.filter((c) => c.method === "sendMessage" && String(c.params.text).includes(`id=${u.id}`))).toHaveLength(1)
    const records = await h.query<{ state: string }>(`SELECT state FROM restrictions WHERE user_id = ${u.id}`)
    expect(records).toHaveLength(1)
  })

  it("BOT-23 row 9: a pending user whose recorded mute is over is muted again once; while it holds, messages only go", async () => {
    const u = newUser("Remy")
    const first = h.driver.mark()
    h.driver.sendMessage(u.id, G, "hi")
    await promptFor(u.id, first)
    // The mute ran out (or was lifted) while the record stayed open.
    await h.query(`UPDATE restrictions SET restricted_until = now() - interval '1 minute' WHERE user_id = ${u.id} AND state = 'pending'`)
    h.driver.setMember(G, u.id, { status: "member" }, { silent: true })
    const again = h.driver.mark()
    const sent = Array.from({ length: 3 }, (_, i) => h.driver.sendMessage(u.id, G, `again ${i}`))
    await Promise.all(sent.map((m) => h.driver.waitForDelete(G, m.message_id, { after: again })))
    const rows = await waitForDecisions(h, `user_id = ${u.id}`, 4)
    expect(rows.slice(1).map((r) => r.reason)).toEqual(["already_pending", "already_pending", "already_pending"])
    const calls = h.driver.calls({ after: again })
    expect(calls.filter((c) => c.method === "restrictChatMember" && Number(c.params.user_id) === u.id)).toHaveLength(1)
    expect(calls.filter((c) => c.method === "sendMessage" && String(c.params.text).includes(`id=${u.id}`))).toHaveLength(0)
    const records = await h.query<{ restrictedUntil: Date | null }>(`SELECT restricted_until FROM restrictions WHERE user_id = ${u.id} AND state = 'pending'`)
    expect(records[0]?.restrictedUntil?.getTime()).toBeGreaterThan(Date.now())
  })

  it("BOT-16: unlinking a channel releases pending users who now miss nothing", async () => {
    const u = newUser("Ines")
    h.driver.setMember(C.id, u.id, { status: "member" }, { silent: true })
    const mark = h.driver.mark()
    h.driver.sendMessage(u.id, G, "hi")
    await promptFor(u.id, mark)
    const carol = DEMO.users.carol.id
    const unlink = h.driver.mark()
    h.driver.sendCommand(carol, G, "unprotect", `@${N.username}`)
    const restore = await h.driver.waitForRestrict(G, u.id, { after: unlink })
    expect((restore.params.permissions as Record<string, boolean>).can_send_messages).toBe(true)
    // The re-check is a durable job (reevaluate_pending); News is then linked nowhere, so its cached answers
    // go too (CACHE-5).
    const job = () => h.query<{ state: string; result: { released: number; forgotten: number } | null }>(
      `SELECT state, result FROM scheduled_jobs WHERE kind = 'reevaluate_pending' AND payload @> '{"channel_id": ${N.id}}'`)
    await expect.poll(async () => (await job()).map((j) => j.state), { timeout: 5_000 }).toEqual(["done"])
    expect((await job())[0]?.result?.released).toBe(1)
    expect((await job())[0]?.result?.forgotten).toBeGreaterThanOrEqual(1)
    const cached = await h.runtime.runPromise(Effect.flatMap(KeyValueStore, (store) => store.get(`verify:${N.id}:${u.id}`)))
    expect(cached).toEqual(Option.none())
    const relink = h.driver.mark()
    h.driver.sendCommand(carol, G, "protect", `@${N.username}`)
    expect(String((await h.driver.waitForBotMessage(G, { after: relink })).params.text)).toContain(N.title)
  })

  it("BOT-16: unlinking the last channel unlinks it and turns protection off; a later /protect requires only the new channel", async () => {
    const carol = DEMO.users.carol.id
    const g = await protectedGroup("Last Channel Group")
    const u = h.driver.createUser({ firstName: "Lars" })
    h.driver.setMember(g, u.id, { status: "member" }, { silent: true })
    const mark = h.driver.mark()
    h.driver.sendMessage(u.id, g, "hi")
    await h.driver.waitForRestrict(g, u.id, { after: mark })
    const unlink = h.driver.mark()
    h.driver.sendCommand(carol, g, "unprotect", `@${C.username}`)
    const reply = await h.driver.waitForCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === g && String(c.params.text).includes("no longer required"), { after: unlink })
    expect(String(reply.params.text)).toContain("protection is off. 1 member is being released")
    const restore = await h.driver.waitForRestrict(g, u.id, { after: unlink, timeoutMs: 10_000 })
    expect((restore.params.permissions as Record<string, boolean>).can_send_messages).toBe(true)
    expect(await h.query(`SELECT enabled, (SELECT count(*)::int FROM group_channels WHERE group_id = ${g}) AS links FROM groups WHERE chat_id = ${g}`))
      .toEqual([{ enabled: false, links: 0 }])
    const relink = h.driver.mark()
    h.driver.sendCommand(carol, g, "protect", `@${N.username}`)
    const on = String((await h.driver.waitForCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === g && String(c.params.text).includes("Protection is on"), { after: relink })).params.text)
    expect(on).toContain(N.title)
    expect(on).not.toContain(C.title)
  })

  it("section 9 / BOT-34: the log chat gets each restriction with a Release button for the group's admins, and each verification", async () => {
    const carol = DEMO.users.carol.id
    const log = h.driver.createSupergroup({ title: "Nezuko log", ownerId: carol, bot: "admin", members: [alice.id] })
    await h.setSetting(G, "log_chat_id", log.id)
    try {
      const { user: u } = await pendingUser(h, "Logan")
      const entry = await h.driver.waitForBotMessage(log.id, { timeoutMs: 10_000 })
      expect(String(entry.params.text)).toContain(`tg://user?id=${u.id}`)
      expect(String(entry.params.text)).toContain("muted")
      expect(JSON.stringify(entry.params.reply_markup)).toContain(`nz:r:${G}:${u.id}`)
      const entryId = (entry.result as { message_id: number }).message_id

      // Only an admin of the group the user is muted in may release them from here.
      const denied = h.driver.pressButton(alice.id, log.id, entryId, { data: `nz:r:${G}:${u.id}` })
      expect(await h.driver.waitForAnswer(denied)).toMatchObject({ text: "Admins only", showAlert: true })
      expect(h.driver.member(G, u.id)).toMatchObject({ status: "restricted" })
      const pressed = h.driver.mark()
      expect(await h.driver.waitForAnswer(h.driver.pressButton(carol, log.id, entryId, { data: `nz:r:${G}:${u.id}` }))).toMatchObject({ text: "Released." })
      const restore = await h.driver.waitForRestrict(G, u.id, { after: pressed })
      expect((restore.params.permissions as Record<string, boolean>).can_send_messages).toBe(true)
      await expect.poll(() => h.query(`SELECT state, resolved_by FROM restrictions WHERE user_id = ${u.id}`), { timeout: 5_000 })
        .toEqual([{ state: "released", resolvedBy: `tg:${carol}` }])
      const note = await h.driver.waitForBotMessage(log.id, { after: pressed })
      expect(String(note.params.text)).toContain(`tg://user?id=${carol}`)
      expect(h.driver.calls({ method: "editMessageReplyMarkup", after: pressed }).filter((c) => c.ok && Number(c.params.message_id) === entryId)).toHaveLength(1)
      // Released some other way first (here the record is closed as an admin's /release would): the button
      // finds nothing to release and touches nothing.
      const { user: w } = await pendingUser(h, "Walt")
      const stale = await h.driver.waitForCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === log.id && String(c.params.text).includes(`tg://user?id=${w.id}`))
      await h.query(`UPDATE restrictions SET state = 'released', resolved_at = now(), resolved_by = 'test' WHERE user_id = ${w.id}`)
      const again = h.driver.mark()
      const staleId = (stale.result as { message_id: number }).message_id
      expect(await h.driver.waitForAnswer(h.driver.pressButton(carol, log.id, staleId, { data: `nz:r:${G}:${w.id}` })))
        .toMatchObject({ text: "Nothing to release: they are not muted by me any more.", showAlert: true })
      expect(h.driver.calls({ method: "restrictChatMember", after: again })).toEqual([])

      // A user released by joining every channel (BOT-41) is logged as verified, without a button.
      const { user: v } = await pendingUser(h, "Vera")
      await h.driver.waitForCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === log.id && String(c.params.text).includes(`tg://user?id=${v.id}`))
      const joined = h.driver.mark()
      h.driver.setMember(C.id, v.id, { status: "member" })
      h.driver.setMember(N.id, v.id, { status: "member" })
      const verified = await h.driver.waitForCall((c) =>
        c.method === "sendMessage" && Number(c.params.chat_id) === log.id && String(c.params.text).includes("verified"), { after: joined, timeoutMs: 10_000 })
      expect(String(verified.params.text)).toContain(`tg://user?id=${v.id}`)
      expect(verified.params.reply_markup).toBeUndefined()

      // A log chat the bot is not in: one panel alert, however many entries fail, and enforcement goes on.
      const elsewhere = h.driver.createSupergroup({ title: "Not the bot's", ownerId: carol, bot: "none" })
      await h.setSetting(G, "log_chat_id", elsewhere.id)
      const unreachable = h.driver.mark()
      const { user: x } = await pendingUser(h, "Xena")
      const { user: y } = await pendingUser(h, "Yuri")
      await h.driver.waitForCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === elsewhere.id && String(c.params.text).includes(`tg://user?id=${y.id}`), { after: unreachable })
      const alerts = () => h.query(`SELECT kind, severity, details->>'error' AS error FROM alerts WHERE group_id = ${G} AND kind = 'log_chat_unreachable'`)
      await expect.poll(alerts, { timeout: 5_000 }).toEqual([{ kind: "log_chat_unreachable", severity: "warning", error: "TelegramChatUnavailable" }])
      expect(h.driver.calls({ method: "sendMessage", after: unreachable }).filter((c) => Number(c.params.chat_id) === elsewhere.id && !c.ok)).toHaveLength(2)
      expect(h.driver.member(G, x.id)).toMatchObject({ status: "restricted" })
    } finally {
      await h.setSetting(G, "log_chat_id", null)
    }
  })

  it("enforcement_mode delete_only (BOT-28): nobody is muted, every message goes, and the prompt comes again once the last one is gone", async () => {
    // A group of its own: the prompts above have used up the demo group's LIM-9 budget for this minute.
    const g = await protectedGroup("Delete-only Group")
    await h.setSetting(g, "enforcement_mode", "delete_only")
    await h.setSetting(g, "delete_unverified_messages", false)
    const u = h.driver.createUser({ firstName: "Dell" })
    h.driver.setMember(g, u.id, { status: "member" }, { silent: true })
    const prompted = (after: number) => h.driver.calls({ after }).filter((c) => c.method === "sendMessage" && String(c.params.text).includes(`id=${u.id}`))
    const first = h.driver.mark()
    const m1 = h.driver.sendMessage(u.id, g, "hi")
    const promptId = await promptFor(u.id, first)
    await h.driver.waitForDelete(g, m1.message_id, { after: first })
    // While the prompt is up, later messages only go.
    const second = h.driver.mark()
    const m2 = h.driver.sendMessage(u.id, g, "still here")
    await h.driver.waitForDelete(g, m2.message_id, { after: second })
    await waitForDecisions(h, `user_id = ${u.id}`, 2)
    expect(prompted(second)).toHaveLength(0)
    // The prompt's time is up: its prompt_delete job runs now.
    await h.query(`UPDATE scheduled_jobs SET run_at = now() WHERE dedupe_key = 'prompt_delete:${g}:${promptId}'`)
    await h.driver.waitForDelete(g, promptId, { after: second, timeoutMs: 10_000 })
    const third = h.driver.mark()
    const m3 = h.driver.sendMessage(u.id, g, "and again")
    await h.driver.waitForDelete(g, m3.message_id, { after: third })
    await promptFor(u.id, third)
    expect(prompted(third)).toHaveLength(1)
    expect(h.driver.calls({ after: first }).some((c) => c.method === "restrictChatMember" && Number(c.params.user_id) === u.id)).toBe(false)
  }, 60_000)
})
