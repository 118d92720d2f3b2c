import type { ChatFullInfo, ChatInviteLink, ChatMember } from "@grammyjs/types"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type RunningSandbox, startSandbox } from "../src/index.js"
import { api, ok } from "./helpers.js"

describe("chats, members and invites", () => {
  let sandbox: RunningSandbox
  let user: number
  let group: number
  let channel: number

  beforeEach(async () => {
    sandbox = await startSandbox()
    const { driver } = sandbox
    user = driver.createUser({ firstName: "U" }).id
    channel = driver.createChannel({ title: "Chan", username: "chan", members: [user] }).id
    group = driver.createSupergroup({ title: "G", members: [user], permissions: { can_send_polls: false }, linkedChannelId: channel }).id
  })
  afterEach(() => sandbox.close())

  it("getChat returns default permissions, linked chat, username and (with rights) the invite link", async () => {
    const info = await ok<ChatFullInfo.SupergroupChat>(sandbox, "getChat", { chat_id: group })
    expect(info).toMatchObject({ id: group, type: "supergroup", title: "G", linked_chat_id: channel })
    expect(info.permissions).toMatchObject({ can_send_messages: true, can_send_polls: false })
    expect(info.invite_link).toMatch(/^https:\/\/t\.me\/\+/)
    const byName = await ok<ChatFullInfo.ChannelChat>(sandbox, "getChat", { chat_id: "@chan" })
    expect(byName).toMatchObject({ id: channel, type: "channel", username: "chan", linked_chat_id: group })
    sandbox.driver.setBotRights(channel, { can_invite_users: false })
    expect((await ok<ChatFullInfo>(sandbox, "getChat", { chat_id: channel })).invite_link).toBeUndefined()
    expect((await api(sandbox, "getChat", { chat_id: "@nobody_here" })).description).toBe("Bad Request: chat not found")
    expect((await api(sandbox, "getChat", { chat_id: -100123 })).description).toBe("Bad Request: chat not found")
  })

  it("getChatMember reads statuses; channels need the bot to be an admin", async () => {
    expect((await ok<ChatMember>(sandbox, "getChatMember", { chat_id: channel, user_id: user })).status).toBe("member")
    const stranger = sandbox.driver.createUser({ firstName: "S" }).id
    expect((await ok<ChatMember>(sandbox, "getChatMember", { chat_id: channel, user_id: stranger })).status).toBe("left")
    expect((await api(sandbox, "getChatMember", { chat_id: channel, user_id: 5 })).description).toBe("Bad Request: user not found")
    sandbox.driver.setBotMember(channel, "member")
    expect(await api(sandbox, "getChatMember", { chat_id: channel, user_id: user })).toMatchObject({
      error_code: 400,
      description: "Bad Request: member list is inaccessible"
    })
    expect((await ok<ChatMember>(sandbox, "getChatMember", { chat_id: channel, user_id: sandbox.driver.botUser.id })).status).toBe("member")
    sandbox.driver.setBotMember(channel, { status: "kicked" })
    expect((await api(sandbox, "getChatMember", { chat_id: channel, user_id: user })).description).toBe("Forbidden: bot was kicked from the channel chat")
  })

  it("getChatAdministrators lists the creator and admins, getChatMemberCount counts present members", async () => {
    const admins = await ok<Array<ChatMember>>(sandbox, "getChatAdministrators", { chat_id: group })
    expect(admins.map((m) => m.status).sort()).toEqual(["administrator", "creator"])
    expect(await ok(sandbox, "getChatMemberCount", { chat_id: group })).toBe(3)
    sandbox.driver.leaveChat(user, group)
    expect(await ok(sandbox, "getChatMemberCount", { chat_id: group })).toBe(2)
    expect((await api(sandbox, "getChatAdministrators", { chat_id: user })).description).toBe("Bad Request: there are no administrators in the private chat")
  })

  it("setChatPermissions changes the defaults and refuses a no-op or a missing right", async () => {
    expect(await ok(sandbox, "setChatPermissions", { chat_id: group, permissions: { can_send_messages: true, can_send_polls: true }, use_independent_chat_permissions: true })).toBe(true)
    expect(sandbox.driver.chat(group).chat.permissions).toMatchObject({ can_send_polls: true, can_send_photos: false })
    expect((await api(sandbox, "setChatPermissions", { chat_id: group, permissions: { can_send_messages: true, can_send_polls: true }, use_independent_chat_permissions: true })).description).toBe(
      "Bad Request: CHAT_NOT_MODIFIED"
    )
    sandbox.driver.setBotRights(group, { can_restrict_members: false })
    expect((await api(sandbox, "setChatPermissions", { chat_id: group, permissions: {} })).description).toBe("Bad Request: not enough rights to change chat permissions")
  })

  it("createChatInviteLink and exportChatInviteLink need can_invite_users", async () => {
    const link = await ok<ChatInviteLink>(sandbox, "createChatInviteLink", { chat_id: channel, name: "Nezuko" })
    expect(link).toMatchObject({ name: "Nezuko", creates_join_request: false, is_primary: false, is_revoked: false, creator: { id: sandbox.driver.botUser.id } })
    const primary = await ok<string>(sandbox, "exportChatInviteLink", { chat_id: channel })
    expect((await ok<ChatFullInfo>(sandbox, "getChat", { chat_id: channel })).invite_link).toBe(primary)
    expect((await api(sandbox, "createChatInviteLink", { chat_id: group, creates_join_request: true, member_limit: 5 })).ok).toBe(false)
    sandbox.driver.setBotRights(channel, { can_invite_users: false })
    expect((await api(sandbox, "createChatInviteLink", { chat_id: channel })).description).toBe("Bad Request: not enough rights to manage chat invite link")
    expect((await api(sandbox, "exportChatInviteLink", { chat_id: channel })).description).toBe("Bad Request: not enough rights to export chat invite link")
  })

  it("join requests: approve joins the user, decline drops it, a second answer is HIDE_REQUESTER_MISSING", async () => {
    const bob = sandbox.driver.createUser({ firstName: "Bob" }).id
    const gate = await ok<ChatInviteLink>(sandbox, "createChatInviteLink", { chat_id: group, creates_join_request: true })
    expect(() => sandbox.driver.joinChat(bob, group, { inviteLink: gate.invite_link })).toThrow(/requires approval/)
    const request = sandbox.driver.requestToJoin(bob, group, { inviteLink: gate.invite_link })
    expect(request).toMatchObject({ user_chat_id: bob, invite_link: { invite_link: gate.invite_link } })
    expect(sandbox.driver.pendingUpdates().some((u) => u.chat_join_request?.from.id === bob)).toBe(true)
    expect(await ok(sandbox, "approveChatJoinRequest", { chat_id: group, user_id: bob })).toBe(true)
    expect(sandbox.driver.member(group, bob).status).toBe("member")
    expect((await api(sandbox, "approveChatJoinRequest", { chat_id: group, user_id: bob })).description).toBe("Bad Request: USER_ALREADY_PARTICIPANT")
    const carl = sandbox.driver.createUser({ firstName: "Carl" }).id
    sandbox.driver.requestToJoin(carl, group)
    expect(await ok(sandbox, "declineChatJoinRequest", { chat_id: group, user_id: carl })).toBe(true)
    expect((await api(sandbox, "declineChatJoinRequest", { chat_id: group, user_id: carl })).description).toBe("Bad Request: HIDE_REQUESTER_MISSING")
    sandbox.driver.requestToJoin(carl, group)
    sandbox.driver.setBotRights(group, { can_invite_users: false })
    expect((await api(sandbox, "approveChatJoinRequest", { chat_id: group, user_id: carl })).description).toBe("Bad Request: CHAT_ADMIN_REQUIRED")
  })

  it("leaveChat removes the bot and later calls get 403", async () => {
    expect(await ok(sandbox, "leaveChat", { chat_id: group })).toBe(true)
    expect(sandbox.driver.member(group, sandbox.driver.botUser.id).status).toBe("left")
    expect((await api(sandbox, "sendMessage", { chat_id: group, text: "x" })).description).toBe("Forbidden: bot is not a member of the supergroup chat")
    const mine = sandbox.driver.pendingUpdates().find((u) => u.my_chat_member !== undefined)?.my_chat_member
    expect(mine).toMatchObject({ old_chat_member: { status: "administrator" }, new_chat_member: { status: "left" }, from: { id: sandbox.driver.botUser.id } })
  })

  it("commands are kept per scope and language", async () => {
    await ok(sandbox, "setMyCommands", { commands: [{ command: "start", description: "Start" }], scope: { type: "all_private_chats" } })
    await ok(sandbox, "setMyCommands", { commands: [{ command: "protect", description: "Protect" }], scope: { type: "all_chat_administrators" } })
    expect(await ok(sandbox, "getMyCommands", { scope: { type: "all_private_chats" } })).toEqual([{ command: "start", description: "Start" }])
    expect(await ok(sandbox, "getMyCommands", {})).toEqual([])
    expect(await ok(sandbox, "deleteMyCommands", { scope: { type: "all_private_chats" } })).toBe(true)
    expect(await ok(sandbox, "getMyCommands", { scope: { type: "all_private_chats" } })).toEqual([])
    expect((await api(sandbox, "setMyCommands", { commands: [{ command: "Bad Command", description: "x" }] })).description).toBe("Bad Request: BOT_COMMAND_INVALID")
  })
})
