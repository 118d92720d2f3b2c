import type { SandboxDriver } from "./Driver.js"
import { SANDBOX_BOT_ID, SANDBOX_BOT_TOKEN } from "./Options.js"

/**
 * The demo world of SPEC OPS-14, with fixed ids so the app can seed its own database to match.
 * "Already protected" is Nezuko's state; the sandbox only provides the Telegram side.
 */
export const DEMO = {
  token: SANDBOX_BOT_TOKEN,
  botId: SANDBOX_BOT_ID,
  users: {
    owner: { id: 100_000_009, firstName: "Olivia", lastName: "Owner", username: "demo_owner" },
    alice: { id: 100_000_001, firstName: "Alice", username: "alice_demo" },
    bob: { id: 100_000_002, firstName: "Bob", username: "bob_demo" },
    carol: { id: 100_000_003, firstName: "Carol", username: "carol_demo", startedBot: true },
    dave: { id: 100_000_004, firstName: "Dave", username: "dave_demo" },
    erin: { id: 100_000_005, firstName: "Erin", username: "erin_demo" }
  },
  group: { id: -1_001_000_000_001, title: "Demo Group" },
  channel: { id: -1_001_000_000_002, title: "Demo Channel", username: "demo_channel" },
  news: { id: -1_001_000_000_003, title: "Demo News", username: "demo_news" },
  daveChannel: { id: -1_001_000_000_004, title: "Dave's Channel", username: "dave_channel" },
  /** The channels Demo Group requires (AND), and the admin Nezuko should record as having protected it. */
  requiredChannels: [
    { id: -1_001_000_000_002, title: "Demo Channel", username: "demo_channel" },
    { id: -1_001_000_000_003, title: "Demo News", username: "demo_news" }
  ],
  protectedBy: 100_000_003,
  /** Text and media allowed, polls not (the SPEC section 10 defaults). */
  groupPermissions: {
    can_send_messages: true,
    can_send_audios: true,
    can_send_documents: true,
    can_send_photos: true,
    can_send_videos: true,
    can_send_video_notes: true,
    can_send_voice_notes: true,
    can_send_polls: false,
    can_send_other_messages: true,
    can_add_web_page_previews: true,
    can_change_info: false,
    can_invite_users: true,
    can_pin_messages: false,
    can_manage_topics: false
  }
} as const

/** Builds the demo world silently (no updates): the bot is a full admin in the group and both channels. */
export const seedDemo = (driver: SandboxDriver): void => {
  const { users, group, channel, news, daveChannel } = DEMO
  for (const user of Object.values(users)) driver.createUser(user)
  driver.createSupergroup({
    id: group.id,
    title: group.title,
    ownerId: users.owner.id,
    permissions: DEMO.groupPermissions,
    members: [users.alice.id, users.bob.id, users.dave.id, users.erin.id],
    bot: "admin"
  })
  driver.setMember(group.id, users.carol.id, { status: "administrator", rights: { can_restrict_members: true, can_delete_messages: true, can_invite_users: true, can_pin_messages: true } }, { silent: true })
  driver.createChannel({ id: channel.id, title: channel.title, username: channel.username, ownerId: users.owner.id, members: [users.alice.id, users.erin.id], bot: "admin" })
  driver.createChannel({ id: news.id, title: news.title, username: news.username, ownerId: users.owner.id, members: [users.alice.id], bot: "admin" })
  driver.createChannel({ id: daveChannel.id, title: daveChannel.title, username: daveChannel.username, ownerId: users.dave.id, bot: "none" })
}
