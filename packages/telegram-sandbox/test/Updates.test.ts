import type { Update } from "@grammyjs/types"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { CHANNEL_BOT, GROUP_ANONYMOUS_BOT, type RunningSandbox, startSandbox, TELEGRAM_SERVICE } from "../src/index.js"
import { api, manualClock, ok } from "./helpers.js"

describe("updates", () => {
  let sandbox: RunningSandbox
  const clock = manualClock()
  let alice: number
  let group: number
  const poll = (params: Record<string, unknown> = {}) => ok<Array<Update>>(sandbox, "getUpdates", params)

  beforeEach(async () => {
    sandbox = await startSandbox({ now: clock.now })
    alice = sandbox.driver.createUser({ firstName: "Alice" }).id
    group = sandbox.driver.createSupergroup({ title: "G", members: [alice] }).id
  })
  afterEach(() => sandbox.close())

  it("offset confirms, limit caps, a negative offset keeps the tail", async () => {
    for (const text of ["1", "2", "3", "4"]) sandbox.driver.sendMessage(alice, group, text)
    const first = await poll({ limit: 2 })
    expect(first.map((u) => u.message?.text)).toEqual(["1", "2"])
    expect(first[1]?.update_id).toBe((first[0]?.update_id ?? 0) + 1)
    const again = await poll({ limit: 2 })
    expect(again.map((u) => u.message?.text)).toEqual(["1", "2"])
    const next = await poll({ offset: (first[1]?.update_id ?? 0) + 1 })
    expect(next.map((u) => u.message?.text)).toEqual(["3", "4"])
    expect((await poll({ offset: -1 })).map((u) => u.message?.text)).toEqual(["4"])
    expect(sandbox.driver.pendingUpdates()).toHaveLength(1)
  })

  it("long polling waits for the next update, and a second poller ends the first with 409", async () => {
    const waiting = poll({ timeout: 10 })
    await sandbox.driver.waitForPolling()
    sandbox.driver.sendMessage(alice, group, "wake")
    expect((await waiting).map((u) => u.message?.text)).toEqual(["wake"])
    await poll({ offset: -1 })
    await poll({ offset: (sandbox.driver.pendingUpdates()[0]?.update_id ?? 0) + 1 })
    const first = api(sandbox, "getUpdates", { timeout: 10 })
    await sandbox.driver.waitForPolling()
    const second = api(sandbox, "getUpdates", { timeout: 0 })
    expect(await first).toMatchObject({
      ok: false,
      error_code: 409,
      description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    })
    expect((await second).ok).toBe(true)
  })

  it("chat_member is excluded by default; allowed_updates is remembered from the last call that set it", async () => {
    const bob = sandbox.driver.createUser({ firstName: "Bob" }).id
    sandbox.driver.joinChat(bob, group)
    const kinds = (updates: ReadonlyArray<Update>) => updates.map((u) => Object.keys(u).find((k) => k !== "update_id"))
    expect(kinds(await poll())).toEqual(["message"])
    await poll({ offset: -1, allowed_updates: ["message", "chat_member"] })
    await poll({ offset: (sandbox.driver.pendingUpdates()[0]?.update_id ?? 0) + 1 })
    sandbox.driver.leaveChat(bob, group)
    const updates = await poll()
    expect(kinds(updates)).toEqual(["chat_member", "message"])
    expect(updates[0]?.chat_member).toMatchObject({ from: { id: bob }, old_chat_member: { status: "member" }, new_chat_member: { status: "left" } })
    expect(updates[1]?.message?.left_chat_member?.id).toBe(bob)
  })

  it("chat_member needs the bot to be an administrator of the chat", async () => {
    await poll({ allowed_updates: ["chat_member"] })
    sandbox.driver.setBotMember(group, "member", { silent: true })
    sandbox.driver.joinChat(sandbox.driver.createUser({ firstName: "Bob" }).id, group)
    expect(await poll()).toEqual([])
  })

  it("my_chat_member reports the bot's own rights changes, from the admin who made them", async () => {
    sandbox.driver.setBotRights(group, { can_restrict_members: false })
    const update = (await poll())[0]?.my_chat_member
    expect(update?.old_chat_member).toMatchObject({ status: "administrator", can_restrict_members: true })
    expect(update?.new_chat_member).toMatchObject({ status: "administrator", can_restrict_members: false })
    expect(update?.from.first_name).toBe("Chat")
  })

  it("joins: invited-by sets chat_member.from and the service message; links are reported", async () => {
    await poll({ allowed_updates: ["message", "chat_member"] })
    const bob = sandbox.driver.createUser({ firstName: "Bob" }).id
    sandbox.driver.joinChat(bob, group, { invitedBy: alice })
    const [member, service] = await poll()
    expect(member?.chat_member).toMatchObject({ from: { id: alice }, new_chat_member: { status: "member", user: { id: bob } } })
    expect(service?.message).toMatchObject({ from: { id: alice }, new_chat_members: [{ id: bob }] })
  })

  it("sender_chat variants: a channel identity, an anonymous admin, an automatic forward", async () => {
    const dave = sandbox.driver.createUser({ firstName: "Dave" }).id
    sandbox.driver.joinChat(dave, group)
    const own = sandbox.driver.createChannel({ title: "Dave's", ownerId: dave, bot: "none" }).id
    const linked = sandbox.driver.createChannel({ title: "Linked" }).id
    sandbox.driver.linkDiscussion(group, linked)
    const owner = sandbox.driver.chat(group).members.find((m) => m.status === "creator")?.user.id ?? 0
    const asChannel = sandbox.driver.postAsChannel(dave, group, own, "hi")
    expect(asChannel.from).toEqual(CHANNEL_BOT)
    expect(asChannel.sender_chat?.id).toBe(own)
    const anonymous = sandbox.driver.postAsAnonymousAdmin(owner, group, "/protect")
    expect(anonymous.from).toEqual(GROUP_ANONYMOUS_BOT)
    expect(anonymous.sender_chat?.id).toBe(group)
    const { post, forward } = sandbox.driver.postToChannel(linked, "news")
    expect(forward).toMatchObject({ from: TELEGRAM_SERVICE, is_automatic_forward: true, sender_chat: { id: linked }, forward_origin: { type: "channel", message_id: post.message_id } })
    const kinds = (await poll()).filter((u) => u.message?.text !== undefined || u.channel_post !== undefined).map((u) => u.message?.text ?? `post:${u.channel_post?.text}`)
    expect(kinds).toEqual(["hi", "/protect", "post:news", "news"])
  })

  it("privacy mode: a non-admin bot sees commands and service messages, not chatter", async () => {
    sandbox.driver.setBotMember(group, "member", { silent: true })
    sandbox.driver.sendMessage(alice, group, "chatter")
    sandbox.driver.sendCommand(alice, group, "help")
    sandbox.driver.sendMessage(alice, group, "/other@someone_else_bot")
    expect((await poll()).map((u) => u.message?.text)).toEqual(["/help"])
  })

  it("callback queries are answered once, and not after 15 seconds", async () => {
    const prompt = await ok<{ message_id: number }>(sandbox, "sendMessage", {
      chat_id: group,
      text: "press",
      reply_markup: { inline_keyboard: [[{ text: "Go", callback_data: "nz:v:1" }, { text: "Site", url: "https://example.org" }]] }
    })
    const id = sandbox.driver.pressButton(alice, group, prompt.message_id, { text: "Go" })
    const update = (await poll()).find((u) => u.callback_query !== undefined)?.callback_query
    expect(update).toMatchObject({ id, from: { id: alice }, data: "nz:v:1", message: { message_id: prompt.message_id } })
    expect(await ok(sandbox, "answerCallbackQuery", { callback_query_id: id, text: "Verified", show_alert: true })).toBe(true)
    expect(sandbox.driver.callback(id).answer).toMatchObject({ text: "Verified", showAlert: true })
    const tooOld = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    expect((await api(sandbox, "answerCallbackQuery", { callback_query_id: id })).description).toBe(tooOld)
    const late = sandbox.driver.pressButton(alice, group, prompt.message_id, { data: "nz:v:1" })
    clock.advance(15_001)
    expect((await api(sandbox, "answerCallbackQuery", { callback_query_id: late })).description).toBe(tooOld)
    expect(() => sandbox.driver.pressButton(alice, group, prompt.message_id, { text: "Site" })).toThrow(/no matching callback button/)
  })

  it("wrong token is 401, unknown method 404, and GET or form bodies work like JSON", async () => {
    expect(await api(sandbox, "getMe", {}, "1:wrong")).toEqual({ ok: false, error_code: 401, description: "Unauthorized" })
    expect(await api(sandbox, "sendPhoto", { chat_id: group })).toEqual({ ok: false, error_code: 404, description: "Not Found" })
    const viaGet = (await (await fetch(`${sandbox.apiRoot}/bot${sandbox.token}/getChatMember?chat_id=${group}&user_id=${alice}`)).json()) as { result: { status: string } }
    expect(viaGet.result.status).toBe("member")
    const form = await fetch(`${sandbox.apiRoot}/bot${sandbox.token}/SENDMESSAGE`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ chat_id: String(group), text: "form", reply_markup: JSON.stringify({ inline_keyboard: [[{ text: "x", callback_data: "y" }]] }) })
    })
    expect(((await form.json()) as { result: { text: string; reply_markup: unknown } }).result).toMatchObject({ text: "form", reply_markup: { inline_keyboard: [[{ text: "x", callback_data: "y" }]] } })
    expect(sandbox.driver.calls({ method: "sendMessage" })).toHaveLength(1)
    const me = await ok<{ id: number; is_bot: boolean; username: string }>(sandbox, "getMe")
    expect(me).toMatchObject({ id: sandbox.driver.botUser.id, is_bot: true, username: "nezuko_sandbox_bot" })
  })
})
