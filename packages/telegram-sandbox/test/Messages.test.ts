import type { Message } from "@grammyjs/types"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type RunningSandbox, startSandbox } from "../src/index.js"
import { api, manualClock, ok } from "./helpers.js"

describe("messages", () => {
  let sandbox: RunningSandbox
  const clock = manualClock()
  let alice: number
  let group: number

  beforeEach(async () => {
    sandbox = await startSandbox({ now: clock.now })
    alice = sandbox.driver.createUser({ firstName: "Alice", username: "alice" }).id
    group = sandbox.driver.createSupergroup({ title: "G", members: [alice] }).id
  })
  afterEach(() => sandbox.close())

  it("sendMessage parses HTML, keeps the keyboard and the reply", async () => {
    const original = sandbox.driver.sendMessage(alice, group, "hello")
    const sent = await ok<Message>(sandbox, "sendMessage", {
      chat_id: group,
      text: `<b>Hi</b> <a href="tg://user?id=${alice}">Alice</a> &amp; co`,
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
      reply_parameters: { message_id: original.message_id },
      reply_markup: { inline_keyboard: [[{ text: "Join", url: "https://t.me/chan" }], [{ text: "I've joined", callback_data: "nz:v:1" }]] }
    })
    expect(sent.text).toBe("Hi Alice & co")
    expect(sent.entities).toEqual([
      { type: "bold", offset: 0, length: 2 },
      { type: "text_mention", offset: 3, length: 5, user: { id: alice, is_bot: false, first_name: "Alice", username: "alice" } }
    ])
    expect(sent.from?.id).toBe(sandbox.driver.botUser.id)
    expect(sent.reply_to_message?.message_id).toBe(original.message_id)
    expect(sent.reply_markup?.inline_keyboard).toHaveLength(2)
    expect(sandbox.driver.message(group, sent.message_id).byBot).toBe(true)
  })

  it("sendMessage refuses what Telegram refuses", async () => {
    expect(await api(sandbox, "sendMessage", { chat_id: -100999, text: "x" })).toMatchObject({ ok: false, error_code: 400, description: "Bad Request: chat not found" })
    expect((await api(sandbox, "sendMessage", { chat_id: group, text: "  " })).description).toBe("Bad Request: message text is empty")
    expect((await api(sandbox, "sendMessage", { chat_id: group, text: "x".repeat(4097) })).description).toBe("Bad Request: message is too long")
    expect((await api(sandbox, "sendMessage", { chat_id: group, text: "<b>x", parse_mode: "HTML" })).description).toMatch(/^Bad Request: can't parse entities/)
    expect(
      (await api(sandbox, "sendMessage", { chat_id: group, text: "x", reply_markup: { inline_keyboard: [[{ text: "b", callback_data: "x".repeat(65) }]] } })).description
    ).toBe("Bad Request: BUTTON_DATA_INVALID")
    expect((await api(sandbox, "sendMessage", { chat_id: group, text: "x", reply_parameters: { message_id: 999 } })).description).toBe(
      "Bad Request: message to be replied not found"
    )
  })

  it("private messages need /start, or a join request younger than 5 minutes", async () => {
    const bob = sandbox.driver.createUser({ firstName: "Bob" }).id
    expect(await api(sandbox, "sendMessage", { chat_id: bob, text: "hi" })).toMatchObject({
      ok: false,
      error_code: 403,
      description: "Forbidden: bot can't initiate conversation with a user"
    })
    sandbox.driver.requestToJoin(bob, group)
    expect((await api(sandbox, "sendMessage", { chat_id: bob, text: "hi" })).ok).toBe(true)
    clock.advance(5 * 60_000 + 1000)
    expect((await api(sandbox, "sendMessage", { chat_id: bob, text: "hi" })).error_code).toBe(403)
    sandbox.driver.startBot(bob)
    expect((await api(sandbox, "sendMessage", { chat_id: bob, text: "hi" })).ok).toBe(true)
    sandbox.driver.blockBot(bob)
    expect((await api(sandbox, "sendMessage", { chat_id: bob, text: "hi" })).description).toBe("Forbidden: bot was blocked by the user")
  })

  it("a kicked bot gets 403 and a migrated group 400 with migrate_to_chat_id", async () => {
    sandbox.driver.setBotMember(group, { status: "kicked" })
    expect(await api(sandbox, "sendMessage", { chat_id: group, text: "x" })).toMatchObject({
      error_code: 403,
      description: "Forbidden: bot was kicked from the supergroup chat"
    })
    const basic = sandbox.driver.createGroup({ title: "Old" }).id
    const upgraded = sandbox.driver.upgradeToSupergroup(basic)
    expect(await api(sandbox, "sendMessage", { chat_id: basic, text: "x" })).toMatchObject({
      error_code: 400,
      description: "Bad Request: group chat was upgraded to a supergroup chat",
      parameters: { migrate_to_chat_id: upgraded.id }
    })
    expect((await api(sandbox, "sendMessage", { chat_id: upgraded.id, text: "x" })).ok).toBe(true)
  })

  it("editMessageText: not modified, keyboard dropped when omitted, others' messages refused", async () => {
    const keyboard = { inline_keyboard: [[{ text: "A", callback_data: "a" }]] }
    const sent = await ok<Message>(sandbox, "sendMessage", { chat_id: group, text: "one", reply_markup: keyboard })
    expect((await api(sandbox, "editMessageText", { chat_id: group, message_id: sent.message_id, text: "one", reply_markup: keyboard })).description).toBe(
      "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
    )
    const edited = await ok<Message>(sandbox, "editMessageText", { chat_id: group, message_id: sent.message_id, text: "two" })
    expect(edited.text).toBe("two")
    expect(edited.edit_date).toBeTypeOf("number")
    expect(edited.reply_markup).toBeUndefined()
    const withKeyboard = await ok<Message>(sandbox, "editMessageReplyMarkup", { chat_id: group, message_id: sent.message_id, reply_markup: keyboard })
    expect(withKeyboard.reply_markup).toEqual(keyboard)
    expect((await api(sandbox, "editMessageReplyMarkup", { chat_id: group, message_id: sent.message_id, reply_markup: keyboard })).description).toMatch(
      /message is not modified/
    )
    const hers = sandbox.driver.sendMessage(alice, group, "mine")
    expect((await api(sandbox, "editMessageText", { chat_id: group, message_id: hers.message_id, text: "x" })).description).toBe(
      "Bad Request: message can't be edited"
    )
    expect((await api(sandbox, "editMessageText", { chat_id: group, message_id: 999, text: "x" })).description).toBe("Bad Request: message to edit not found")
  })

  it("deleteMessage needs can_delete_messages for others' messages and reports a missing one", async () => {
    const hers = sandbox.driver.sendMessage(alice, group, "spam")
    sandbox.driver.setBotRights(group, { can_delete_messages: false })
    expect((await api(sandbox, "deleteMessage", { chat_id: group, message_id: hers.message_id })).description).toBe("Bad Request: message can't be deleted")
    const own = await ok<Message>(sandbox, "sendMessage", { chat_id: group, text: "mine" })
    expect(await ok(sandbox, "deleteMessage", { chat_id: group, message_id: own.message_id })).toBe(true)
    sandbox.driver.setBotRights(group, { can_delete_messages: true })
    expect(await ok(sandbox, "deleteMessage", { chat_id: group, message_id: hers.message_id })).toBe(true)
    expect(sandbox.driver.message(group, hers.message_id).deleted).toBe(true)
    expect((await api(sandbox, "deleteMessage", { chat_id: group, message_id: hers.message_id })).description).toBe(
      "Bad Request: message to delete not found"
    )
  })

  it("a bot's own message older than 48 hours can't be deleted without admin rights", async () => {
    sandbox.driver.setBotMember(group, { status: "member" })
    const own = await ok<Message>(sandbox, "sendMessage", { chat_id: group, text: "old" })
    clock.advance(49 * 3_600_000)
    expect((await api(sandbox, "deleteMessage", { chat_id: group, message_id: own.message_id })).description).toBe(
      "Bad Request: message can't be deleted for everyone"
    )
  })

  it("deleteMessages skips missing ids and deletes the rest", async () => {
    const a = sandbox.driver.sendMessage(alice, group, "a")
    const b = sandbox.driver.sendMessage(alice, group, "b")
    expect(await ok(sandbox, "deleteMessages", { chat_id: group, message_ids: [a.message_id, 999, b.message_id] })).toBe(true)
    expect(sandbox.driver.messages(group).filter((m) => m.deleted).map((m) => m.message.text)).toEqual(["a", "b"])
    expect((await api(sandbox, "deleteMessages", { chat_id: group, message_ids: [] })).ok).toBe(false)
  })
})
