import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, newUser as makeUser, pendingUser, promptFor as promptOf, startBot, waitForDecisions } from "./botHarness.js"
import { periodic } from "./support.js"

const G = DEMO.group.id
const C = DEMO.channel
const N = DEMO.news
const { alice, bob, erin } = DEMO.users

describe("the bot against the sandbox: admins, leaves, private chat", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startBot()
  })
  afterAll(async () => {
    await h?.close()
  })

  const newUser = (firstName: string, inGroup = true) => makeUser(h, firstName, inGroup)
  const promptFor = (userId: number, after: number) => promptOf(h, userId, after)


  it("AT-11: leaving a channel mutes again only in groups where the user was seen", async () => {
    const G2 = h.driver.createSupergroup({ title: "Second Group", ownerId: DEMO.users.carol.id, bot: "admin" })
    const mark = h.driver.mark()
    h.driver.sendCommand(DEMO.users.carol.id, G2.id, "protect", `@${C.username}`)
    const reply = await h.driver.waitForBotMessage(G2.id, { after: mark })
    expect(String(reply.params.text)).toContain("Protection is on")
    const u = newUser("Leo")
    h.driver.setMember(C.id, u.id, { status: "member" }, { silent: true })
    h.driver.setMember(N.id, u.id, { status: "member" }, { silent: true })
    h.driver.setMember(G2.id, u.id, { status: "member" }, { silent: true })
    h.driver.sendMessage(u.id, G, "I am here")
    await waitForDecisions(h, `user_id = ${u.id} AND decision = 'pass'`)
    const leaveMark = h.driver.mark()
    h.driver.leaveChat(u.id, C.id)
    await h.driver.waitForRestrict(G, u.id, { after: leaveMark })
    const prompt = await h.driver.waitForBotMessage(G, { after: leaveMark })
    expect(String(prompt.params.text)).toContain("you left")
    await new Promise((r) => setTimeout(r, 500))
    // Nothing about Leo in the second group: no mute, no prompt, not even a membership look-up. (The bot may
    // still renew its copy of that group's admin list in the background, which is about no one.)
    const inG2 = h.driver.calls({ after: leaveMark }).filter((c) => Number(c.params.chat_id) === G2.id)
    expect(inG2.filter((c) => c.method === "sendMessage" || Number(c.params.user_id) === u.id).map((c) => c.method)).toEqual([])
  })

  it("BOT-40 step 4: a leave finds the user gone from the group unseen; presence is corrected and nothing is sent", async () => {
    const u = newUser("Lou")
    h.driver.setMember(C.id, u.id, { status: "member" }, { silent: true })
    h.driver.setMember(N.id, u.id, { status: "member" }, { silent: true })
    h.driver.sendMessage(u.id, G, "hello")
    await waitForDecisions(h, `user_id = ${u.id} AND decision = 'pass'`)
    const presence = () => h.query<{ status: string }>(`SELECT status FROM group_members WHERE group_id = ${G} AND user_id = ${u.id}`)
    await expect.poll(async () => (await presence())[0]?.status, { timeout: 5_000 }).toBe("member")
    h.driver.setMember(G, u.id, { status: "left" }, { silent: true })
    const mark = h.driver.mark()
    h.driver.leaveChat(u.id, C.id)
    await expect.poll(async () => (await presence())[0]?.status, { timeout: 5_000 }).toBe("left")
    const calls = h.driver.calls({ after: mark }).filter((c) => Number(c.params.chat_id) === G && c.method !== "getChatAdministrators")
    expect(calls.map((c) => c.method)).toEqual(["getChatMember"])
    expect(await h.query(`SELECT id FROM restrictions WHERE user_id = ${u.id}`)).toEqual([])
  })

  it("AT-8: a subscribed non-admin's /protect is deleted with one short reply; a second attempt is deleted silently", async () => {
    const mark = h.driver.mark()
    const first = h.driver.sendCommand(alice.id, G, "protect", `@${C.username}`)
    await h.driver.waitForDelete(G, first.message_id, { after: mark })
    const reply = await h.driver.waitForBotMessage(G, { after: mark })
    expect(String(reply.params.text)).toContain("Only admins with the Ban users right")
    const second = h.driver.sendCommand(alice.id, G, "protect", `@${C.username}`)
    await h.driver.waitForDelete(G, second.message_id, { after: mark })
    await new Promise((r) => setTimeout(r, 300))
    expect(h.driver.calls({ after: mark }).filter((c) => c.method === "sendMessage")).toHaveLength(1)
  })

  it("BOT-5: in a basic group too, a member's /whitelist and /release are refused and change nothing", async () => {
    const basic = h.driver.createGroup({ title: "Basic Group", ownerId: DEMO.users.carol.id, bot: "admin" })
    h.driver.setMember(basic.id, bob.id, { status: "member" }, { silent: true })
    const mark = h.driver.mark()
    const command = h.driver.sendCommand(bob.id, basic.id, "whitelist", `add ${bob.id}`)
    await h.driver.waitForDelete(basic.id, command.message_id, { after: mark })
    const reply = await h.driver.waitForBotMessage(basic.id, { after: mark })
    expect(String(reply.params.text)).toContain("Only admins with the Ban users right can use /whitelist")
    h.driver.sendCommand(bob.id, basic.id, "release", "all")
    await new Promise((r) => setTimeout(r, 500))
    expect(await h.query(`SELECT 1 FROM whitelist WHERE group_id = ${basic.id}`)).toEqual([])
    expect(await h.query(`SELECT 1 FROM audit_log WHERE resource_id = '${basic.id}'`)).toEqual([])
  })

  it("BOT-33: with delete_service_messages on, join and leave service messages are deleted", async () => {
    await h.setSetting(G, "delete_service_messages", true)
    try {
      const u = newUser("Sami", false)
      h.driver.setMember(C.id, u.id, { status: "member" }, { silent: true })
      h.driver.setMember(N.id, u.id, { status: "member" }, { silent: true })
      const serviceMessage = (field: "new_chat_members" | "left_chat_member") => {
        const found = h.driver.messages(G).map((m) => m.message).filter((m) => m[field] !== undefined).at(-1)
        if (found === undefined) throw new Error(`no ${field} message`)
        return found.message_id
      }
      const mark = h.driver.mark()
      h.driver.joinChat(u.id, G)
      await h.driver.waitForDelete(G, serviceMessage("new_chat_members"), { after: mark })
      h.driver.leaveChat(u.id, G)
      await h.driver.waitForDelete(G, serviceMessage("left_chat_member"), { after: mark })
    } finally {
      await h.setSetting(G, "delete_service_messages", false)
    }
  })

  it("AT-7: /unprotect releases the pending and stops enforcement; /protect without arguments turns it back on", async () => {
    await h.setSetting(G, "timeout_action", "kick") // so that Pia's record has a deadline job to cancel
    const u = newUser("Pia")
    const mark = h.driver.mark()
    h.driver.sendMessage(u.id, G, "hi")
    const promptId = await promptFor(u.id, mark)
    await expect.poll(async () => (await h.query(`SELECT id FROM scheduled_jobs WHERE kind = 'timeout' AND state = 'queued' AND payload @> '{"user_id": ${u.id}}'`)).length).toBe(1)
    const carol = DEMO.users.carol.id
    const offMark = h.driver.mark()
    h.driver.sendCommand(carol, G, "unprotect")
    const restore = await h.driver.waitForRestrict(G, u.id, { after: offMark })
    expect((restore.params.permissions as Record<string, boolean>).can_send_messages).toBe(true)
    await h.driver.waitForDelete(G, promptId, { after: offMark })
    const off = await h.driver.waitForBotMessage(G, { after: offMark })
    expect(String(off.params.text)).toMatch(/\d+ members? (is|are) being released/)
    // BOT-16: the release is a durable job; the group's deadlines are cancelled, nothing runs for it any more.
    const jobs = () => h.query<{ kind: string; state: string }>(
      `SELECT kind, state FROM scheduled_jobs WHERE kind IN ('release_all', 'timeout') AND payload @> '{"group_id": ${G}}' ORDER BY id`)
    await expect.poll(async () => (await jobs()).filter((j) => j.kind === "release_all").map((j) => j.state), { timeout: 5_000 }).toEqual(["done"])
    expect((await jobs()).filter((j) => j.kind === "timeout").map((j) => j.state)).toContain("cancelled")
    expect((await jobs()).filter((j) => j.kind === "timeout" && j.state === "queued")).toEqual([])
    expect((await waitForDecisions(h, `user_id = ${u.id} AND decision = 'release'`))[0]?.reason).toBe("unprotect")
    await h.setSetting(G, "timeout_action", "mute")
    const w = newUser("Wes")
    const quietMark = h.driver.mark()
    h.driver.sendMessage(w.id, G, "nobody checks me now")
    await new Promise((r) => setTimeout(r, 500))
    expect(h.driver.calls({ after: quietMark }).filter((c) => !periodic.has(c.method) && h.driver.callChatId(c) === G)).toEqual([])
    // BOT-11: turning it back on checks the saved channels first: not an admin in one (unnoticed), it refuses.
    h.driver.setBotMember(C.id, { status: "member" }, { silent: true })
    const refusedMark = h.driver.mark()
    h.driver.sendCommand(carol, G, "protect")
    const refused = await h.driver.waitForBotMessage(G, { after: refusedMark })
    expect(String(refused.params.text)).not.toContain("Protection is on")
    expect(await h.query(`SELECT enabled FROM groups WHERE chat_id = ${G}`)).toEqual([{ enabled: false }])
    h.driver.setBotMember(C.id, "admin", { silent: true })
    const onMark = h.driver.mark()
    h.driver.sendCommand(carol, G, "protect")
    const on = await h.driver.waitForBotMessage(G, { after: onMark })
    expect(String(on.params.text)).toContain("Protection is on")
    expect(String(on.params.text)).toContain(C.title)
  })

  it("BOT-39/BOT-33: an admin lifting the mute wins (24 h exemption); a pending user who leaves closes the record", async () => {
    const { promptId, user: u } = await pendingUser(h, "Olga")
    // A deadline as timeout_action = kick would have queued it: closing the record cancels it.
    const [record] = await h.query<{ id: number }>(`SELECT id FROM restrictions WHERE user_id = ${u.id} AND state = 'pending'`)
    await h.query(`INSERT INTO scheduled_jobs (kind, run_at, payload, dedupe_key) VALUES ('timeout', now() + interval '1 hour',
      '{"restriction_id": ${record?.id}, "group_id": ${G}, "user_id": ${u.id}}', 'timeout:${record?.id}')`)
    const liftMark = h.driver.mark()
    h.driver.setMember(G, u.id, { status: "member" }, { by: DEMO.users.carol.id })
    await h.driver.waitForDelete(G, promptId, { after: liftMark })
    const rows = await waitForDecisions(h, `user_id = ${u.id} AND decision = 'release'`)
    expect(rows[0]?.reason).toBe("admin_override")
    expect(await h.query(`SELECT state FROM scheduled_jobs WHERE dedupe_key = 'timeout:${record?.id}'`)).toEqual([{ state: "cancelled" }])
    const state = await h.query<{ state: string }>(`SELECT state FROM restrictions WHERE user_id = ${u.id}`)
    expect(state.map((r) => r.state)).toEqual(["overridden"])
    const quiet = h.driver.mark()
    h.driver.sendMessage(u.id, G, "I am exempt for a while")
    const exempt = await waitForDecisions(h, `user_id = ${u.id} AND decision = 'exempt'`)
    expect(exempt[0]?.reason).toBe("whitelist")
    expect(h.driver.calls({ after: quiet }).some((c) => c.method === "restrictChatMember")).toBe(false)

    const v = newUser("Lena")
    const vMark = h.driver.mark()
    h.driver.sendMessage(v.id, G, "hi")
    const vPrompt = await promptFor(v.id, vMark)
    await h.driver.waitForRestrict(G, v.id, { after: vMark })
    const leaveMark = h.driver.mark()
    h.driver.leaveChat(v.id, G)
    await h.driver.waitForDelete(G, vPrompt, { after: leaveMark })
    const closed = await h.query<{ state: string }>(`SELECT state FROM restrictions WHERE user_id = ${v.id}`)
    expect(closed.map((r) => r.state)).toEqual(["left_group"])
  })

  it("BOT-33: someone who left while muted and rejoins is the bot's to release: joining the channels restores them", async () => {
    const { user, promptId } = await pendingUser(h, "Rhea")
    const leaveMark = h.driver.mark()
    h.driver.leaveChat(user.id, G)
    await h.driver.waitForDelete(G, promptId, { after: leaveMark })
    // Telegram keeps the bot's restriction across the leave; the rejoin's update shows it.
    const rejoin = h.driver.mark()
    h.driver.joinChat(user.id, G)
    await promptFor(user.id, rejoin)
    await expect.poll(() => h.query(`SELECT state, owner FROM restrictions WHERE user_id = ${user.id} ORDER BY id`), { timeout: 5_000 })
      .toEqual([{ state: "left_group", owner: "bot" }, { state: "pending", owner: "bot" }])
    const joined = h.driver.mark()
    h.driver.joinChat(user.id, C.id)
    h.driver.joinChat(user.id, N.id)
    await h.driver.waitForRestrict(G, user.id, { after: joined, timeoutMs: 10_000 })
    await expect.poll(() => h.driver.member(G, user.id), { timeout: 5_000 }).toMatchObject({ can_send_messages: true })
  })

  it("BOT-49: a member the bot has only seen in an admin's change is remembered, with their @username", async () => {
    const user = h.driver.createUser({ firstName: "Pia", username: "pia_quiet" })
    h.driver.setMember(G, user.id, { status: "member" }, { silent: true })
    h.driver.setMember(G, user.id, { status: "restricted", permissions: { can_send_messages: false } }, { by: DEMO.users.carol.id })
    await expect.poll(async () => (await h.query<{ username: string | null; status: string | null }>(
      `SELECT u.username, m.status FROM tg_users u LEFT JOIN group_members m ON m.user_id = u.user_id AND m.group_id = ${G} WHERE u.user_id = ${user.id}`
    ))[0], { timeout: 5_000 }).toEqual({ username: "pia_quiet", status: "restricted" })
  })

  it("CACHE-5: someone who joins as an administrator can use admin commands at once", async () => {
    // The admin list is cached (and was read by the tests above); the join must drop it.
    const u = newUser("Ada", false)
    h.driver.setMember(G, u.id, { status: "administrator", rights: { can_restrict_members: true } })
    await waitForDecisions(h, `user_id = ${u.id} AND trigger = 'join' AND reason = 'admin'`)
    const mark = h.driver.mark()
    h.driver.sendCommand(u.id, G, "status")
    const reply = await h.driver.waitForBotMessage(G, { after: mark })
    expect(String(reply.params.text)).not.toContain("Only admins")
  })

  it("CACHE-5: in a group not protected yet, someone who joins as an administrator can /protect at once", async () => {
    const carol = DEMO.users.carol.id
    const g = h.driver.createSupergroup({ title: "Unprotected Group", ownerId: carol, bot: "admin" }).id
    // The owner's /status caches the group's admin list.
    const status = h.driver.mark()
    h.driver.sendCommand(carol, g, "status")
    await h.driver.waitForBotMessage(g, { after: status })
    const u = newUser("Abe", false)
    h.driver.setMember(g, u.id, { status: "administrator", rights: { can_restrict_members: true } })
    // Handled after the join: the bot keeps each (chat, user)'s updates in order.
    const mark = h.driver.mark()
    h.driver.sendCommand(u.id, g, "protect", `@${C.username}`)
    const reply = await h.driver.waitForBotMessage(g, { after: mark })
    expect(String(reply.params.text)).toContain("Protection is on")
  })

  it("BOT-31/BOT-51: with verify_on_join off a join is exempt, and that decision is logged too", async () => {
    await h.setSetting(G, "verify_on_join", false)
    try {
      const u = newUser("Jo", false)
      h.driver.joinChat(u.id, G)
      const rows = await waitForDecisions(h, `user_id = ${u.id} AND trigger = 'join'`)
      expect(rows.map((r) => [r.decision, r.reason])).toEqual([["exempt", "verify_on_join_off"]])
    } finally {
      await h.setSetting(G, "verify_on_join", true)
    }
  })

  it("BOT-13 step 1: /protect (or any admin command) in private says it works in groups only", async () => {
    const u = h.driver.createUser({ firstName: "Pri" })
    for (const [command, args] of [["protect", `@${C.username}`], ["status", ""]] as const) {
      const mark = h.driver.mark()
      h.driver.sendCommand(u.id, u.id, command, args)
      const reply = await h.driver.waitForBotMessage(u.id, { after: mark })
      expect(String(reply.params.text)).toContain("This works in groups only")
    }
  })

  it("BOT-9: /start in private shows the menu; a menu button edits the message in place", async () => {
    const u = h.driver.createUser({ firstName: "<Max>" })
    const mark = h.driver.mark()
    h.driver.sendCommand(u.id, u.id, "start")
    const greeting = await h.driver.waitForBotMessage(u.id, { after: mark })
    expect(String(greeting.params.text)).toContain("Hi &lt;Max&gt;!")
    const keyboard = (greeting.params.reply_markup as { inline_keyboard: Array<Array<{ url?: string; callback_data?: string }>> }).inline_keyboard
    expect(keyboard[0]?.[0]?.url).toContain("startgroup=setup&admin=restrict_members+delete_messages+invite_users")
    const messageId = (greeting.result as { message_id: number }).message_id
    const query = h.driver.pressButton(u.id, u.id, messageId, { data: "nz:m:how" })
    await h.driver.waitForAnswer(query)
    const edit = await h.driver.waitForCall((c) => c.method === "editMessageText", { after: mark })
    expect(String(edit.params.text)).toContain("How it works")
    const help = h.driver.mark()
    h.driver.sendCommand(u.id, u.id, "help")
    expect(String((await h.driver.waitForBotMessage(u.id, { after: help })).params.text)).toContain("Common problems")
  })

  it("BOT-8: a command and the bot's reply are deleted after admin_reply_ttl_seconds by durable jobs", async () => {
    await h.setSetting(G, "admin_reply_ttl_seconds", 2)
    const mark = h.driver.mark()
    const command = h.driver.sendCommand(DEMO.users.carol.id, G, "status")
    const reply = await h.driver.waitForBotMessage(G, { after: mark })
    const replyId = (reply.result as { message_id: number }).message_id
    await h.driver.waitForDelete(G, command.message_id, { after: mark, timeoutMs: 15_000 })
    const deleted = await h.driver.waitForDelete(G, replyId, { after: mark, timeoutMs: 15_000 })
    expect(deleted.at - reply.at).toBeGreaterThanOrEqual(1_900)
    const deadline = Date.now() + 5_000
    let jobs: ReadonlyArray<{ kind: string; state: string }> = []
    while (Date.now() < deadline) {
      jobs = await h.query<{ kind: string; state: string }>(`SELECT kind, state FROM scheduled_jobs WHERE kind = 'auto_delete' AND payload->>'message_id' = '${replyId}'`)
      if (jobs[0]?.state === "done") break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(jobs).toEqual([{ kind: "auto_delete", state: "done" }])
  })
})
