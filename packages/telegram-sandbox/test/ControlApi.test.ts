import type { ChatMember, Message } from "@grammyjs/types"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { DEMO, type RunningSandbox, startSandbox } from "../src/index.js"
import { api, control, ok } from "./helpers.js"

describe("control API", () => {
  let sandbox: RunningSandbox
  beforeEach(async () => {
    sandbox = await startSandbox()
  })
  afterEach(() => sandbox.close())

  it("builds a world, acts as users and reads the state back", async () => {
    const user = (await control(sandbox, "POST", "/users", { firstName: "Bob", username: "bob" })).body.result as { id: number }
    const chat = (await control(sandbox, "POST", "/chats", { type: "supergroup", title: "G", members: [user.id] })).body.result as { id: number }
    const channel = (await control(sandbox, "POST", "/chats", { type: "channel", title: "C", username: "cc", bot: "admin" })).body.result as { id: number }
    expect((await control(sandbox, "POST", "/chats/link", { groupId: chat.id, channelId: channel.id })).body.ok).toBe(true)
    const message = (await control(sandbox, "POST", "/messages", { userId: user.id, chatId: chat.id, text: "hi" })).body.result as Message
    expect(message.text).toBe("hi")
    expect((await control(sandbox, "POST", "/commands", { userId: user.id, chatId: chat.id, command: "help", args: "me" })).body.result).toMatchObject({ text: "/help me" })
    expect((await control(sandbox, "POST", "/join", { userId: user.id, chatId: channel.id })).body.result).toMatchObject({ status: "member" })
    expect((await control(sandbox, "POST", "/leave", { userId: user.id, chatId: channel.id })).body.result).toMatchObject({ status: "left" })
    expect((await control(sandbox, "POST", "/members", { chatId: chat.id, userId: user.id, member: { status: "restricted", permissions: { can_send_messages: false } } })).body.ok).toBe(true)
    expect(((await control(sandbox, "GET", `/chats/${chat.id}/members/${user.id}`)).body.result as ChatMember).status).toBe("restricted")
    const refused = await control(sandbox, "POST", "/messages", { userId: user.id, chatId: chat.id, text: "muted" })
    expect(refused).toMatchObject({ status: 400, body: { ok: false } })
    expect(refused.body.error).toMatch(/restricted/)
    expect((await control(sandbox, "POST", "/bot", { chatId: chat.id, rights: { can_delete_messages: false } })).body.result).toMatchObject({ can_delete_messages: false, can_restrict_members: true })
    const view = (await control(sandbox, "GET", `/chats/${chat.id}`)).body.result as { messages: Array<{ message: Message }>; chat: { linked_chat_id: number } }
    expect(view.chat.linked_chat_id).toBe(channel.id)
    expect(view.messages.map((m) => m.message.text)).toEqual(["hi", "/help me"])
    expect(await control(sandbox, "GET", "/nope")).toMatchObject({ status: 404 })
    expect(await control(sandbox, "DELETE", "/users")).toMatchObject({ status: 405 })
    const index = (await control(sandbox, "GET", "/")).body.result as { endpoints: Array<string> }
    expect(index.endpoints).toContain("POST /_sandbox/press")
  })

  it("press a button, join requests, faults, calls with since/after, violations and reset", async () => {
    await control(sandbox, "POST", "/seed-demo")
    const { group, users } = DEMO
    const prompt = await ok<Message>(sandbox, "sendMessage", { chat_id: group.id, text: "p", reply_markup: { inline_keyboard: [[{ text: "ok", callback_data: "nz:v:1" }]] } })
    const pressed = (await control(sandbox, "POST", "/press", { userId: users.bob.id, chatId: group.id, messageId: prompt.message_id, data: "nz:v:1" })).body.result as { callbackQueryId: string }
    await ok(sandbox, "answerCallbackQuery", { callback_query_id: pressed.callbackQueryId, text: "done" })
    expect((await control(sandbox, "GET", `/callbacks/${pressed.callbackQueryId}`)).body.result).toMatchObject({ answer: { text: "done" } })
    const stranger = (await control(sandbox, "POST", "/users", { firstName: "S" })).body.result as { id: number }
    expect((await control(sandbox, "POST", "/join-requests", { userId: stranger.id, chatId: group.id })).body.result).toMatchObject({ user_chat_id: stranger.id })

    const mark = sandbox.driver.mark()
    const since = Date.now()
    expect((await control(sandbox, "POST", "/faults", { method: "getChat", kind: "rateLimit", retryAfter: 2, count: 1 })).body.result).toEqual({ id: 1 })
    expect((await api(sandbox, "getChat", { chat_id: group.id })).error_code).toBe(429)
    expect((await control(sandbox, "GET", "/violations")).body.result).toEqual([expect.objectContaining({ injected: true, method: "getChat" })])
    const calls = (await control(sandbox, "GET", `/calls?after=${mark}`)).body.result as Array<{ method: string; at: number }>
    expect(calls.map((c) => c.method)).toEqual(["getChat"])
    expect(((await control(sandbox, "GET", `/calls?since=${since}&method=getChat`)).body.result as Array<unknown>).length).toBe(1)
    await control(sandbox, "POST", "/faults", { method: "getMe", kind: "error", status: 502 })
    await control(sandbox, "DELETE", "/faults?method=getMe")
    expect((await control(sandbox, "GET", "/faults")).body.result).toEqual([])

    expect((await control(sandbox, "POST", "/reset", {})).body.ok).toBe(true)
    expect((await control(sandbox, "GET", "/calls")).body.result).toEqual([])
    expect((await control(sandbox, "GET", "/chats")).body.result).toEqual([])
    await control(sandbox, "POST", "/reset", { demo: true })
    expect(((await control(sandbox, "GET", "/chats")).body.result as Array<{ title: string }>).map((c) => c.title)).toContain("Demo Group")
  })
})
