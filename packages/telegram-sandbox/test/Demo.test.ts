import type { ChatMember } from "@grammyjs/types"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { DEMO, type RunningSandbox, startSandbox } from "../src/index.js"
import { ok } from "./helpers.js"

describe("the demo world (OPS-14)", () => {
  let sandbox: RunningSandbox
  beforeEach(async () => {
    sandbox = await startSandbox({ demo: true })
  })
  afterEach(() => sandbox.close())

  const status = async (chat: number, user: number) => (await ok<ChatMember>(sandbox, "getChatMember", { chat_id: chat, user_id: user })).status

  it("has the memberships the scenarios rely on", async () => {
    const { users, channel, news, group, daveChannel } = DEMO
    expect([await status(channel.id, users.alice.id), await status(news.id, users.alice.id)]).toEqual(["member", "member"])
    expect([await status(channel.id, users.bob.id), await status(news.id, users.bob.id)]).toEqual(["left", "left"])
    expect([await status(channel.id, users.erin.id), await status(news.id, users.erin.id)]).toEqual(["member", "left"])
    expect(await ok<ChatMember>(sandbox, "getChatMember", { chat_id: group.id, user_id: users.carol.id })).toMatchObject({ status: "administrator", can_restrict_members: true })
    for (const user of Object.values(users)) expect(["member", "administrator", "creator"]).toContain(await status(group.id, user.id))
    expect(sandbox.driver.member(daveChannel.id, users.dave.id).status).toBe("creator")
    expect(sandbox.driver.postAsChannel(users.dave.id, group.id, daveChannel.id, "hi").sender_chat?.id).toBe(daveChannel.id)
  })

  it("has the bot as an admin with every BOT-4 right, and a group that allows text and media but not polls", async () => {
    const bot = await ok<ChatMember>(sandbox, "getChatMember", { chat_id: DEMO.group.id, user_id: DEMO.botId })
    expect(bot).toMatchObject({ status: "administrator", can_restrict_members: true, can_delete_messages: true, can_invite_users: true })
    for (const chat of DEMO.requiredChannels) {
      expect((await ok<ChatMember>(sandbox, "getChatMember", { chat_id: `@${chat.username}`, user_id: DEMO.botId })).status).toBe("administrator")
    }
    const info = await ok<{ title: string; permissions: Record<string, boolean> }>(sandbox, "getChat", { chat_id: DEMO.group.id })
    expect(info.title).toBe("Demo Group")
    expect(info.permissions).toMatchObject({ can_send_messages: true, can_send_photos: true, can_send_polls: false })
    expect(sandbox.driver.pendingUpdates()).toEqual([])
    expect(sandbox.token).toBe(DEMO.token)
  })
})
