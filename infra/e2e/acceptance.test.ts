import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, startBot, waitForDecisions } from "./botHarness.js"

const G = DEMO.group.id
const C = DEMO.channel
const N = DEMO.news
const { alice, bob, erin } = DEMO.users

describe("the bot against the sandbox (SPEC section 10)", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startBot()
  })
  afterAll(async () => {
    await h?.close()
  })

  it("AT-1: a non-subscriber is checked, their message deleted, muted for 24 h and prompted, in that order", async () => {
    const mark = h.driver.mark()
    const message = h.driver.sendMessage(bob.id, G, "hi")
    await h.driver.waitForBotMessage(G, { after: mark })
    const calls = h.driver.calls({ after: mark }).filter((c) => !["getUpdates", "getChatAdministrators", "getChat"].includes(c.method))
    const order = calls.map((c) => `${c.method}:${String(c.params.chat_id)}`)
    const firstCheck = order.findIndex((c) => c.startsWith("getChatMember:") && !c.endsWith(String(G)))
    const del = order.indexOf(`deleteMessage:${G}`)
    const groupCheck = order.indexOf(`getChatMember:${G}`)
    const restrict = order.indexOf(`restrictChatMember:${G}`)
    const send = order.indexOf(`sendMessage:${G}`)
    expect([firstCheck, del, groupCheck, restrict, send].every((i) => i >= 0)).toBe(true)
    expect(firstCheck < del && del < groupCheck && groupCheck < restrict && restrict < send).toBe(true)
    const deleted = calls.find((c) => c.method === "deleteMessage")
    expect(Number(deleted?.params.message_id)).toBe(message.message_id)
    const restrictCall = calls.find((c) => c.method === "restrictChatMember")
    const permissions = restrictCall?.params.permissions as Record<string, boolean>
    for (const right of ["can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
      "can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages", "can_add_web_page_previews"]) {
      expect(permissions[right]).toBe(false)
    }
    expect(restrictCall?.params.use_independent_chat_permissions).toBe(true)
    expect(Math.abs(Number(restrictCall?.params.until_date) - (restrictCall?.at ?? 0) / 1000 - 86_400)).toBeLessThan(5)
    const prompt = calls.find((c) => c.method === "sendMessage")
    expect(String(prompt?.params.text)).toContain(`tg://user?id=${bob.id}`)
    expect(String(prompt?.params.text)).toContain(C.title)
    const keyboard = (prompt?.params.reply_markup as { inline_keyboard: Array<Array<{ url?: string; callback_data?: string }>> }).inline_keyboard
    expect(keyboard).toEqual([
      [expect.objectContaining({ url: `https://t.me/${C.username}` })],
      [expect.objectContaining({ url: `https://t.me/${N.username}` })],
      [expect.objectContaining({ callback_data: `nz:v:${bob.id}` })]
    ])
    const rows = await waitForDecisions(h, `user_id = ${bob.id} AND trigger = 'message'`)
    expect(rows[0]).toMatchObject({ decision: "restrict", missingChannelIds: [C.id, N.id] })
  })

  it("AT-2: a subscriber passes twice with one membership check per channel; the second decision is cached", async () => {
    const mark = h.driver.mark()
    h.driver.sendMessage(alice.id, G, "hello")
    await waitForDecisions(h, `user_id = ${alice.id}`, 1)
    h.driver.sendMessage(alice.id, G, "again")
    const rows = await waitForDecisions(h, `user_id = ${alice.id}`, 2)
    expect(rows.map((r) => [r.decision, r.cached])).toEqual([["pass", false], ["pass", true]])
    const calls = h.driver.calls({ after: mark })
    expect(calls.filter((c) => c.method === "getChatMember" && Number(c.params.user_id) === alice.id)).toHaveLength(2)
    expect(calls.some((c) => ["deleteMessage", "restrictChatMember", "sendMessage"].includes(c.method))).toBe(false)
  })

  it("AT-3: the prompt lists only the missing channel, with no @ before a title", async () => {
    const mark = h.driver.mark()
    h.driver.sendMessage(erin.id, G, "hey")
    const prompt = await h.driver.waitForBotMessage(G, { after: mark })
    const text = String(prompt.params.text)
    expect(text).toContain(N.title)
    expect(text).not.toContain(`<b>${C.title}</b>`)
    expect(text).not.toMatch(/@<b>|@Demo/)
    const keyboard = (prompt.params.reply_markup as { inline_keyboard: Array<Array<{ url?: string }>> }).inline_keyboard
    expect(keyboard.flat().filter((b) => b.url)).toEqual([expect.objectContaining({ url: `https://t.me/${N.username}` })])
    const rows = await waitForDecisions(h, `user_id = ${erin.id}`)
    expect(rows[0]?.missingChannelIds).toEqual([N.id])
  })

  const newUser = (firstName: string, inGroup = true) => {
    const user = h.driver.createUser({ firstName })
    if (inGroup) h.driver.setMember(G, user.id, { status: "member" }, { silent: true })
    return user
  }
  const promptFor = async (userId: number, after: number) => {
    const call = await h.driver.waitForCall((c) => c.method === "sendMessage" && c.ok && String(c.params.text).includes(`tg://user?id=${userId}`), { after })
    return (call.result as { message_id: number }).message_id
  }

  it("AT-4: someone else's button changes nothing and makes no other call", async () => {
    const u = newUser("Uma")
    const v = newUser("Vic")
    const mark = h.driver.mark()
    h.driver.sendMessage(u.id, G, "hi")
    const promptId = await promptFor(u.id, mark)
    const pressMark = h.driver.mark()
    const query = h.driver.pressButton(v.id, G, promptId, { data: `nz:v:${u.id}` })
    const answer = await h.driver.waitForAnswer(query)
    expect(answer).toMatchObject({ showAlert: true })
    expect(String(answer.text)).toContain("isn't for you")
    const after = h.driver.calls({ after: pressMark }).map((c) => c.method)
    expect(after.filter((m) => ["restrictChatMember", "getChatMember", "deleteMessage"].includes(m))).toEqual([])
    const pending = await h.query<{ state: string }>(`SELECT state FROM restrictions WHERE user_id = ${u.id}`)
    expect(pending.map((r) => r.state)).toEqual(["pending"])
  })

  it("AT-5: after joining (updates withheld), the button checks afresh and restores exactly the group's defaults", async () => {
    const u = newUser("Ulla")
    const mark = h.driver.mark()
    h.driver.sendMessage(u.id, G, "hi")
    const promptId = await promptFor(u.id, mark)
    h.driver.setMember(C.id, u.id, { status: "member" }, { silent: true })
    h.driver.setMember(N.id, u.id, { status: "member" }, { silent: true })
    const pressMark = h.driver.mark()
    const query = h.driver.pressButton(u.id, G, promptId, { data: `nz:v:${u.id}` })
    const answer = await h.driver.waitForAnswer(query)
    expect(String(answer.text)).toContain("Verified")
    const restore = await h.driver.waitForRestrict(G, u.id, { after: pressMark })
    expect(restore.params.permissions).toEqual(h.driver.chat(G).chat.permissions)
    await h.driver.waitForDelete(G, promptId, { after: pressMark })
    const checks = h.driver.calls({ after: pressMark }).filter((c) => c.method === "getChatMember" && Number(c.params.user_id) === u.id)
    expect(checks.map((c) => Number(c.params.chat_id)).sort()).toEqual([C.id, N.id].sort())
    const state = await h.query<{ state: string }>(`SELECT state FROM restrictions WHERE user_id = ${u.id}`)
    expect(state.map((r) => r.state)).toEqual(["verified"])
    const rows = await waitForDecisions(h, `user_id = ${u.id} AND decision = 'verify'`)
    expect(rows[0]?.trigger).toBe("button")
  })

  it("AT-6: a mute on top of another admin's restriction is lifted back to that restriction", async () => {
    const u = newUser("Ursula")
    const until = Math.floor(Date.now() / 1000) + 2 * 86_400
    const noMedia = { ...DEMO.groupPermissions, can_send_photos: false, can_send_videos: false, can_send_audios: false, can_send_documents: false }
    h.driver.setMember(G, u.id, { status: "restricted", permissions: noMedia, untilDate: until, isMember: true, independent: true }, { silent: true })
    const mark = h.driver.mark()
    h.driver.sendMessage(u.id, G, "text is allowed")
    const promptId = await promptFor(u.id, mark)
    await h.driver.waitForRestrict(G, u.id, { after: mark })
    h.driver.setMember(C.id, u.id, { status: "member" }, { silent: true })
    h.driver.setMember(N.id, u.id, { status: "member" }, { silent: true })
    const pressMark = h.driver.mark()
    h.driver.pressButton(u.id, G, promptId, { data: `nz:v:${u.id}` })
    const restore = await h.driver.waitForRestrict(G, u.id, { after: pressMark })
    expect(restore.params.permissions).toMatchObject({ can_send_messages: true, can_send_photos: false, can_send_videos: false })
    expect(Number(restore.params.until_date)).toBe(until)
  })

  it("AT-13: anonymous admins and linked-channel forwards are exempt; posting as another channel is deleted with one notice", async () => {
    const mark = h.driver.mark()
    h.driver.postAsAnonymousAdmin(DEMO.users.carol.id, G, "from the admins")
    const dave = DEMO.users.dave
    const post = h.driver.postAsChannel(dave.id, G, DEMO.daveChannel.id, "hello from my channel")
    await h.driver.waitForDelete(G, post.message_id, { after: mark })
    const notice = await h.driver.waitForBotMessage(G, { after: mark })
    expect(String(notice.params.text)).toContain("Posting as a channel")
    h.driver.postAsChannel(dave.id, G, DEMO.daveChannel.id, "again")
    const rows = await waitForDecisions(h, `reason IN ('anonymous_admin', 'channel_identity')`, 3)
    expect(rows.map((r) => [r.decision, r.reason])).toEqual([["exempt", "anonymous_admin"], ["restrict", "channel_identity"], ["restrict", "channel_identity"]])
    const calls = h.driver.calls({ after: mark })
    expect(calls.filter((c) => c.method === "sendMessage")).toHaveLength(1)
    expect(calls.some((c) => c.method === "restrictChatMember")).toBe(false)
  })

  it("AT-9: a join via chat_member is handled once and prompts the newcomer; a member added by an admin is exempt", async () => {
    const u = newUser("Nina", false)
    const mark = h.driver.mark()
    h.driver.joinChat(u.id, G)
    await h.driver.waitForRestrict(G, u.id, { after: mark })
    const prompt = await h.driver.waitForBotMessage(G, { after: mark })
    expect(String(prompt.params.text)).toContain(`tg://user?id=${u.id}`)
    expect(String(prompt.params.text)).toContain("Welcome")
    await waitForDecisions(h, `user_id = ${u.id} AND trigger = 'join'`)
    await new Promise((r) => setTimeout(r, 500))
    const calls = h.driver.calls({ after: mark })
    expect(calls.filter((c) => c.method === "restrictChatMember" && Number(c.params.user_id) === u.id)).toHaveLength(1)
    expect(calls.filter((c) => c.method === "sendMessage")).toHaveLength(1)
    const w = newUser("Walt", false)
    const addMark = h.driver.mark()
    h.driver.joinChat(w.id, G, { invitedBy: DEMO.users.carol.id })
    const rows = await waitForDecisions(h, `user_id = ${w.id}`)
    expect(rows[0]).toMatchObject({ decision: "exempt", reason: "admin_added" })
    expect(h.driver.calls({ after: addMark }).some((c) => c.method === "restrictChatMember" || c.method === "sendMessage")).toBe(false)
  })

  it("AT-12: joining the missing channels releases a pending user with no button press", async () => {
    const u = newUser("Rita")
    const mark = h.driver.mark()
    h.driver.sendMessage(u.id, G, "hi")
    const promptId = await promptFor(u.id, mark)
    h.driver.joinChat(u.id, C.id)
    const joinMark = h.driver.mark()
    h.driver.joinChat(u.id, N.id)
    const restore = await h.driver.waitForRestrict(G, u.id, { after: joinMark })
    expect((restore.params.permissions as Record<string, boolean>).can_send_messages).toBe(true)
    await h.driver.waitForDelete(G, promptId, { after: joinMark })
    const rows = await waitForDecisions(h, `user_id = ${u.id} AND decision = 'verify'`)
    expect(rows[0]?.trigger).toBe("rejoin")
  })

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
    expect(h.driver.calls({ after: leaveMark }).some((c) => Number(c.params.chat_id) === G2.id)).toBe(false)
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

  it("AT-7: /unprotect releases the pending and stops enforcement; /protect without arguments turns it back on", async () => {
    const u = newUser("Pia")
    const mark = h.driver.mark()
    h.driver.sendMessage(u.id, G, "hi")
    const promptId = await promptFor(u.id, mark)
    const carol = DEMO.users.carol.id
    const offMark = h.driver.mark()
    h.driver.sendCommand(carol, G, "unprotect")
    const restore = await h.driver.waitForRestrict(G, u.id, { after: offMark })
    expect((restore.params.permissions as Record<string, boolean>).can_send_messages).toBe(true)
    await h.driver.waitForDelete(G, promptId, { after: offMark })
    const off = await h.driver.waitForBotMessage(G, { after: offMark })
    expect(String(off.params.text)).toMatch(/\d+ members? (is|are) being released/)
    const w = newUser("Wes")
    const quietMark = h.driver.mark()
    h.driver.sendMessage(w.id, G, "nobody checks me now")
    await new Promise((r) => setTimeout(r, 500))
    expect(h.driver.calls({ after: quietMark }).filter((c) => c.method !== "getUpdates")).toEqual([])
    const onMark = h.driver.mark()
    h.driver.sendCommand(carol, G, "protect")
    const on = await h.driver.waitForBotMessage(G, { after: onMark })
    expect(String(on.params.text)).toContain("Protection is on")
    expect(String(on.params.text)).toContain(C.title)
  })

  it("BOT-39/BOT-33: an admin lifting the mute wins (24 h exemption); a pending user who leaves closes the record", async () => {
    const u = newUser("Olga")
    const mark = h.driver.mark()
    h.driver.sendMessage(u.id, G, "hi")
    const promptId = await promptFor(u.id, mark)
    await h.driver.waitForRestrict(G, u.id, { after: mark })
    const liftMark = h.driver.mark()
    h.driver.setMember(G, u.id, { status: "member" }, { by: DEMO.users.carol.id })
    await h.driver.waitForDelete(G, promptId, { after: liftMark })
    const rows = await waitForDecisions(h, `user_id = ${u.id} AND decision = 'release'`)
    expect(rows[0]?.reason).toBe("admin_override")
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

  it("BOT-18/BOT-52: /settings cycles a key in place for admins only; dry run decides without moderation calls", async () => {
    const carol = DEMO.users.carol.id
    const mark = h.driver.mark()
    h.driver.sendCommand(carol, G, "settings")
    const panel = await h.driver.waitForBotMessage(G, { after: mark })
    const messageId = (panel.result as { message_id: number }).message_id
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

  it("BOT-6: an anonymous admin's command waits for an authorized admin to confirm it", async () => {
    const carol = DEMO.users.carol.id
    const mark = h.driver.mark()
    h.driver.postAsAnonymousAdmin(carol, G, "/status")
    const ask = await h.driver.waitForBotMessage(G, { after: mark })
    expect(String(ask.params.text)).toContain("Anonymous admin: tap to confirm /status")
    const askId = (ask.result as { message_id: number }).message_id
    const denied = h.driver.pressButton(alice.id, G, askId, { text: "✅ Confirm" })
    expect(await h.driver.waitForAnswer(denied)).toMatchObject({ text: "Only admins can confirm this", showAlert: true })
    const confirmMark = h.driver.mark()
    h.driver.pressButton(carol, G, askId, { text: "✅ Confirm" })
    const status = await h.driver.waitForBotMessage(G, { after: confirmMark })
    expect(String(status.params.text)).toContain("protection on")
  })
})
