import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { DEMO, type RunningSandbox, startSandbox } from "../src/index.js"
import { ok } from "./helpers.js"

describe("driver.resolveLink: the chat a t.me link opens", () => {
  let sandbox: RunningSandbox
  beforeEach(async () => {
    sandbox = await startSandbox({ demo: true })
  })
  afterEach(() => sandbox.close())

  it("finds public usernames in any case, on t.me and telegram.me", () => {
    expect(sandbox.driver.resolveLink("https://t.me/demo_channel")).toMatchObject({ chat: { id: DEMO.channel.id, title: DEMO.channel.title }, createsJoinRequest: false, inviteLink: undefined })
    expect(sandbox.driver.resolveLink("https://telegram.me/Demo_News")?.chat.id).toBe(DEMO.news.id)
  })

  it("finds invite links the bot created, says whether they need approval, and forgets revoked ones", async () => {
    const open = await ok<{ invite_link: string }>(sandbox, "createChatInviteLink", { chat_id: DEMO.group.id })
    const gated = await ok<{ invite_link: string }>(sandbox, "createChatInviteLink", { chat_id: DEMO.group.id, creates_join_request: true })
    expect(sandbox.driver.resolveLink(open.invite_link)).toMatchObject({ chat: { id: DEMO.group.id }, createsJoinRequest: false, inviteLink: open.invite_link })
    expect(sandbox.driver.resolveLink(gated.invite_link)).toMatchObject({ chat: { id: DEMO.group.id }, createsJoinRequest: true })
    const first = await ok<string>(sandbox, "exportChatInviteLink", { chat_id: DEMO.group.id })
    const second = await ok<string>(sandbox, "exportChatInviteLink", { chat_id: DEMO.group.id })
    expect(sandbox.driver.resolveLink(first)).toBeUndefined()
    expect(sandbox.driver.resolveLink(second)?.chat.id).toBe(DEMO.group.id)
  })

  it("is undefined for bots, unknown names, other hosts and malformed links", () => {
    for (const url of [`https://t.me/${sandbox.driver.botUser.username}?start=x`, "https://t.me/nobody_here", "https://example.org/demo_channel", "https://t.me/+SBX999999999999", "not a url"]) {
      expect(sandbox.driver.resolveLink(url)).toBeUndefined()
    }
  })
})
