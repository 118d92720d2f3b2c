import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type RunningSandbox, startSandbox } from "../src/index.js"
import { api, manualClock, ok } from "./helpers.js"

const muted = {
  can_send_messages: false,
  can_send_audios: false,
  can_send_documents: false,
  can_send_photos: false,
  can_send_videos: false,
  can_send_video_notes: false,
  can_send_voice_notes: false,
  can_send_polls: false,
  can_send_other_messages: false,
  can_add_web_page_previews: false
}

describe("moderation", () => {
  let sandbox: RunningSandbox
  const clock = manualClock()
  let user: number
  let admin: number
  let group: number
  const nowSec = (): number => Math.floor(clock.now() / 1000)

  beforeEach(async () => {
    sandbox = await startSandbox({ now: clock.now })
    const { driver } = sandbox
    user = driver.createUser({ firstName: "U" }).id
    admin = driver.createUser({ firstName: "A" }).id
    group = driver.createSupergroup({ title: "G", members: [user, admin] }).id
    driver.setMember(group, admin, { status: "administrator", rights: { can_restrict_members: true } }, { silent: true })
  })
  afterEach(() => sandbox.close())

  it("restrictChatMember mutes with the given until_date and the user can no longer write", async () => {
    const until = nowSec() + 86_400
    expect(await ok(sandbox, "restrictChatMember", { chat_id: group, user_id: user, permissions: muted, use_independent_chat_permissions: true, until_date: until })).toBe(true)
    const member = sandbox.driver.member(group, user)
    expect(member).toMatchObject({ status: "restricted", is_member: true, can_send_messages: false, can_invite_users: false, until_date: until })
    expect(() => sandbox.driver.sendMessage(user, group, "hi")).toThrow(/restricted/)
    clock.advance(86_401_000)
    expect(sandbox.driver.member(group, user).status).toBe("member")
  })

  it.each([
    ["under 30 seconds", 10, 0],
    ["beyond 366 days", 367 * 86_400, 0],
    ["in between", 3600, 3600]
  ])("until_date %s", async (_label, offset, expectedOffset) => {
    await ok(sandbox, "restrictChatMember", { chat_id: group, user_id: user, permissions: muted, until_date: nowSec() + offset })
    const member = sandbox.driver.member(group, user)
    expect(member.status === "restricted" ? member.until_date : -1).toBe(expectedOffset === 0 ? 0 : nowSec() + expectedOffset)
  })

  it("without independent permissions the broad flags imply the narrow ones", async () => {
    await ok(sandbox, "restrictChatMember", { chat_id: group, user_id: user, permissions: { can_send_polls: true } })
    expect(sandbox.driver.member(group, user)).toMatchObject({ status: "restricted", can_send_messages: true, can_send_polls: true, can_send_photos: false })
  })

  it("granting every permission lifts the restriction; the group's defaults keep it restricted", async () => {
    await ok(sandbox, "restrictChatMember", { chat_id: group, user_id: user, permissions: muted })
    const all = Object.fromEntries([...Object.keys(muted), "can_change_info", "can_invite_users", "can_pin_messages", "can_manage_topics"].map((k) => [k, true]))
    await ok(sandbox, "restrictChatMember", { chat_id: group, user_id: user, permissions: all, use_independent_chat_permissions: true })
    expect(sandbox.driver.member(group, user).status).toBe("member")
    const defaults = (await ok<{ permissions: Record<string, boolean> }>(sandbox, "getChat", { chat_id: group })).permissions
    await ok(sandbox, "restrictChatMember", { chat_id: group, user_id: user, permissions: defaults, use_independent_chat_permissions: true })
    expect(sandbox.driver.member(group, user)).toMatchObject({ status: "restricted", can_send_messages: true, can_change_info: false })
  })

  it("needs can_restrict_members, a supergroup, and a target that is not an admin", async () => {
    const call = (params: Record<string, unknown>) => api(sandbox, "restrictChatMember", { chat_id: group, user_id: user, permissions: muted, ...params })
    expect((await call({ user_id: admin })).description).toBe("Bad Request: user is an administrator of the chat")
    expect((await call({ user_id: sandbox.driver.botUser.id })).description).toBe("Bad Request: can't restrict self")
    expect((await call({ user_id: 42 })).description).toBe("Bad Request: PARTICIPANT_ID_INVALID")
    expect((await call({ user_id: "x" })).description).toBe("Bad Request: invalid user_id specified")
    expect((await call({ permissions: undefined })).description).toBe('Bad Request: parameter "permissions" is required')
    const basic = sandbox.driver.createGroup({ title: "B", members: [user] }).id
    expect((await call({ chat_id: basic })).description).toBe("Bad Request: method is available only for supergroups")
    sandbox.driver.setBotRights(group, { can_restrict_members: false })
    expect(await call({})).toMatchObject({ error_code: 400, description: "Bad Request: not enough rights to restrict/unrestrict chat member" })
    sandbox.driver.setBotMember(group, "member")
    expect((await call({})).description).toBe("Bad Request: not enough rights to restrict/unrestrict chat member")
  })

  it("banChatMember then unbanChatMember(only_if_banned) is a kick; the owner can't be removed", async () => {
    expect(await ok(sandbox, "banChatMember", { chat_id: group, user_id: user, until_date: nowSec() + 60 })).toBe(true)
    expect(sandbox.driver.member(group, user)).toMatchObject({ status: "kicked", until_date: nowSec() + 60 })
    expect(() => sandbox.driver.joinChat(user, group)).toThrow(/banned/)
    expect(await ok(sandbox, "unbanChatMember", { chat_id: group, user_id: user, only_if_banned: true })).toBe(true)
    expect(sandbox.driver.member(group, user).status).toBe("left")
    sandbox.driver.joinChat(user, group)
    const owner = sandbox.driver.chat(group).members.find((m) => m.status === "creator")
    expect((await api(sandbox, "banChatMember", { chat_id: group, user_id: owner?.user.id })).description).toBe("Bad Request: can't remove chat owner")
  })

  it("unbanChatMember without only_if_banned removes a present member", async () => {
    await ok(sandbox, "unbanChatMember", { chat_id: group, user_id: user, only_if_banned: true })
    expect(sandbox.driver.member(group, user).status).toBe("member")
    await ok(sandbox, "unbanChatMember", { chat_id: group, user_id: user })
    expect(sandbox.driver.member(group, user).status).toBe("left")
    const left = sandbox.driver.messages(group).at(-1)?.message
    expect(left?.left_chat_member?.id).toBe(user)
    expect(left?.from?.id).toBe(sandbox.driver.botUser.id)
  })

  it("banChatSenderChat blocks posting as that channel", async () => {
    const channel = sandbox.driver.createChannel({ title: "C", ownerId: user, bot: "none" }).id
    sandbox.driver.postAsChannel(user, group, channel, "as channel")
    expect(await ok(sandbox, "banChatSenderChat", { chat_id: group, sender_chat_id: channel })).toBe(true)
    expect(() => sandbox.driver.postAsChannel(user, group, channel, "again")).toThrow(/banned/)
    expect(sandbox.driver.chat(group).bannedSenderChats).toEqual([channel])
    sandbox.driver.setBotRights(group, { can_restrict_members: false })
    expect((await api(sandbox, "banChatSenderChat", { chat_id: group, sender_chat_id: channel })).description).toBe(
      "Bad Request: not enough rights to restrict/unrestrict chat member"
    )
  })
})
