import { Bot } from "grammy"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type RunningSandbox, startSandbox } from "../src/index.js"

describe("an unmodified grammY bot over long polling", () => {
  let sandbox: RunningSandbox
  let bot: Bot | undefined

  beforeEach(async () => {
    sandbox = await startSandbox()
  })
  afterEach(async () => {
    if (bot?.isRunning()) await bot.stop()
    await sandbox.close()
  })

  it("handles a command and its reply reaches the group", async () => {
    const { driver } = sandbox
    const alice = driver.createUser({ firstName: "Alice" })
    const group = driver.createSupergroup({ title: "G", members: [alice.id] })
    const client = new Bot(sandbox.token, { client: { apiRoot: sandbox.apiRoot } })
    bot = client
    client.command("ping", (ctx) => ctx.reply(`pong ${ctx.from?.first_name ?? ""}`))
    void client.start({ drop_pending_updates: true })
    await driver.waitForPolling()

    const sent = driver.sendCommand(alice.id, group.id, "ping")
    expect(sent.entities).toEqual([{ type: "bot_command", offset: 0, length: 5 }])
    const reply = await driver.waitForBotMessage(group.id)

    expect(reply.params["text"]).toBe("pong Alice")
    const last = driver.messages(group.id).at(-1)
    expect(last?.byBot).toBe(true)
    expect(last?.message.text).toBe("pong Alice")
  })

  it("delivers chat_member only when allowed_updates asks for it", async () => {
    const { driver } = sandbox
    const bob = driver.createUser({ firstName: "Bob" })
    const group = driver.createSupergroup({ title: "G" })
    const client = new Bot(sandbox.token, { client: { apiRoot: sandbox.apiRoot } })
    bot = client
    const seen: Array<string> = []
    client.on("chat_member", (ctx) => {
      seen.push(`${ctx.chatMember.old_chat_member.status}->${ctx.chatMember.new_chat_member.status}:${ctx.chatMember.new_chat_member.user.first_name}`)
    })
    void client.start({ allowed_updates: ["message", "chat_member"] })
    await driver.waitForPolling()

    driver.joinChat(bob.id, group.id)
    await driver.waitUntil(() => seen.length === 1)
    expect(seen).toEqual(["left->member:Bob"])
  })
})
