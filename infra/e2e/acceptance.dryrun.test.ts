import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, newUser, promptFor, startBot, waitForDecisions } from "./botHarness.js"

const G = DEMO.group.id
const { alice, bob, dave } = DEMO.users
const moderation = new Set([
  "deleteMessage", "deleteMessages", "restrictChatMember", "sendMessage", "banChatMember", "unbanChatMember",
  "approveChatJoinRequest", "declineChatJoinRequest", "banChatSenderChat"
])

const moderationCallsAfter = (h: BotHarness, after: number) => h.driver.calls({ after }).filter((c) => moderation.has(c.method))

describe("dry run makes no moderation call (BOT-52)", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startBot()
    await h.setSetting(G, "dry_run", true)
  })
  afterAll(async () => {
    await h?.close()
  })

  const moderationCalls = (after: number) => h.driver.calls({ after }).filter((c) => moderation.has(c.method))

  it("a non-subscriber's message, a post as a channel, a join and a channel leave are recorded as dry_run and nothing else happens", async () => {
    const mark = h.driver.mark()

    // A message from a non-subscriber.
    h.driver.sendMessage(bob.id, G, "hello")
    const message = await waitForDecisions(h, `user_id = ${bob.id} AND trigger = 'message'`)
    expect(message[0]).toMatchObject({ decision: "dry_run", reason: "would_restrict", missingChannelIds: [DEMO.channel.id, DEMO.news.id] })

    // A post as a channel (channel_identity_policy = block would delete it and warn).
    h.driver.postAsChannel(dave.id, G, DEMO.daveChannel.id, "from my channel")
    const identity = await waitForDecisions(h, `sender_chat_id = ${DEMO.daveChannel.id}`)
    expect(identity[0]).toMatchObject({ decision: "dry_run", reason: "would_delete" })

    // A join by someone in no channel.
    const joiner = newUser(h, "Joiner", false)
    h.driver.joinChat(joiner.id, G)
    const join = await waitForDecisions(h, `user_id = ${joiner.id} AND trigger = 'join'`)
    expect(join[0]).toMatchObject({ decision: "dry_run", reason: "would_restrict" })

    // A channel leave by a member the bot has seen in the group.
    h.driver.sendMessage(alice.id, G, "I'm subscribed")
    await waitForDecisions(h, `user_id = ${alice.id} AND trigger = 'message' AND decision = 'pass'`)
    h.driver.leaveChat(alice.id, DEMO.channel.id)
    const leave = await waitForDecisions(h, `user_id = ${alice.id} AND trigger = 'leave'`)
    expect(leave[0]).toMatchObject({ decision: "dry_run", reason: "would_restrict", missingChannelIds: [DEMO.channel.id] })

    // Late calls would show up here.
    await new Promise((r) => setTimeout(r, 1_500))
    expect(moderationCalls(mark).map((c) => c.method)).toEqual([])
    expect(h.driver.member(G, bob.id)?.status).toBe("member")
    expect(h.driver.member(G, alice.id)?.status).toBe("member")
    const restrictions = await h.query<{ n: number }>(`SELECT count(*) AS n FROM restrictions`)
    expect(Number(restrictions[0]?.n)).toBe(0)
  }, 40_000)
})

describe("dry run switched on while a user is muted (BOT-52)", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startBot()
    await h.setSetting(G, "timeout_action", "kick")
    await h.setSetting(G, "timeout_minutes", 10)
  })
  afterAll(async () => {
    await h?.close()
  })

  it("the due timeout records dry_run (would_kick) and makes no ban, unban or delete", async () => {
    const u = newUser(h, "Tess")
    const before = h.driver.mark()
    h.driver.sendMessage(u.id, G, "hi")
    await promptFor(h, u.id, before)
    await h.driver.waitForRestrict(G, u.id, { after: before })
    await h.setSetting(G, "dry_run", true)

    const mark = h.driver.mark()
    // As in acceptance.timeouts: the deadline is moved to now in SQL instead of waiting 10 minutes.
    await h.query(`WITH r AS (UPDATE restrictions SET deadline_at = now() WHERE group_id = ${G} AND user_id = ${u.id} AND state = 'pending' RETURNING id)
      UPDATE scheduled_jobs SET run_at = now() WHERE dedupe_key = 'timeout:' || (SELECT id FROM r) AND state = 'queued'`)
    const rows = await waitForDecisions(h, `user_id = ${u.id} AND trigger = 'timeout'`, 1, 15_000)
    expect(rows[0]).toMatchObject({ decision: "dry_run", reason: "would_kick" })
    await new Promise((r) => setTimeout(r, 1_000))
    expect(moderationCallsAfter(h, mark).map((c) => c.method)).toEqual([])
    expect(h.driver.member(G, u.id)?.status).toBe("restricted")
  }, 40_000)
})
