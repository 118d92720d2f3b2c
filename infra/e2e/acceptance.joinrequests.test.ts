import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, startBot, waitForDecisions } from "./botHarness.js"
import { periodic } from "./support.js"

const G = DEMO.group.id
const C = DEMO.channel
const N = DEMO.news

const waitFor = async <A extends object>(h: BotHarness, sql: string, done: (rows: ReadonlyArray<A>) => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const rows = await h.query<A>(sql)
    if (done(rows)) return rows
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${sql} → ${JSON.stringify(rows)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * The timeout is join_request_timeout_minutes (10) away: bring the durable job's run_at forward instead of
 * waiting. The gate records the DM before it schedules the job, so wait for the job's row first: an UPDATE
 * that ran in between matched nothing, and the test then waited out its timeout (CI at b391da6).
 */
const bringTimeoutForward = async (h: BotHarness, requestId: number | undefined) => {
  const job = `kind = 'join_request_timeout' AND payload @> '{"request_id": ${requestId}}'`
  await waitFor(h, `SELECT id FROM scheduled_jobs WHERE ${job}`, (rows) => rows.length === 1)
  await h.query(`UPDATE scheduled_jobs SET run_at = now() WHERE ${job}`)
}

type Keyboard = { inline_keyboard: Array<Array<{ url?: string; callback_data?: string }>> }

describe("the join-request gate (SPEC BOT-46, BOT-47)", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startBot()
    await h.setSetting(G, "join_gate", true)
  })
  afterAll(async () => {
    await h?.close()
  })

  /** A new user outside the group who asks to join it; resolves with the verification DM. */
  const request = async (firstName: string, channels: ReadonlyArray<number> = []) => {
    const user = h.driver.createUser({ firstName })
    for (const c of channels) h.driver.setMember(c, user.id, { status: "member" }, { silent: true })
    const mark = h.driver.mark()
    h.driver.requestToJoin(user.id, G)
    return { user, mark }
  }
  const dmTo = async (userId: number, after: number) =>
    h.driver.waitForCall((c) => c.method === "sendMessage" && c.ok && Number(c.params.chat_id) === userId, { after })
  const stateOf = (userId: number) =>
    h.query<{ id: number; state: string; dmMessageId: number | null; decidedBy: string | null }>(
      `SELECT id, state, dm_message_id, decided_by FROM join_requests WHERE user_id = ${userId} ORDER BY id`)

  it("a member of every channel is approved at once, with no DM", async () => {
    const { mark, user } = await request("Jana", [C.id, N.id])
    await h.driver.waitForCall((c) => c.method === "approveChatJoinRequest" && c.ok && Number(c.params.user_id) === user.id, { after: mark })
    expect(h.driver.member(G, user.id).status).toBe("member")
    expect(h.driver.calls({ after: mark }).some((c) => c.method === "sendMessage" && Number(c.params.chat_id) === user.id)).toBe(false)
    await waitFor<{ state: string }>(h, `SELECT state FROM join_requests WHERE user_id = ${user.id}`, (rows) => rows[0]?.state === "approved")
    const rows = await waitForDecisions(h, `user_id = ${user.id} AND trigger = 'join_request'`)
    expect(rows[0]?.decision).toBe("approve")
    // BOT-31: the join that follows the bot's own approval is not checked a second time.
    const approval = await h.driver.waitForCall((c) => c.method === "approveChatJoinRequest" && c.ok && Number(c.params.user_id) === user.id, { after: mark })
    const join = await waitForDecisions(h, `user_id = ${user.id} AND trigger = 'join'`)
    expect(join[0]).toMatchObject({ decision: "exempt", reason: "join_request" })
    expect(h.driver.calls({ after: approval.seq }).filter((c) => c.method === "getChatMember" && Number(c.params.user_id) === user.id)).toEqual([])
  })

  it("a non-subscriber gets a DM with join buttons; pressing before joining lists what is missing; after joining the channel it is approved", async () => {
    const { mark, user } = await request("Jorge")
    const dm = await dmTo(user.id, mark)
    const dmId = (dm.result as { message_id: number }).message_id
    const keyboard = (dm.params.reply_markup as Keyboard).inline_keyboard
    expect(keyboard).toEqual([
      [expect.objectContaining({ url: `https://t.me/${C.username}` })],
      [expect.objectContaining({ url: `https://t.me/${N.username}` })],
      [expect.objectContaining({ callback_data: `nz:j:${G}` })]
    ])
    const [record] = await waitFor<{ id: number; state: string; dmMessageId: number | null }>(h, `SELECT id, state, dm_message_id FROM join_requests WHERE user_id = ${user.id}`, (rows) => rows[0]?.dmMessageId !== null && rows.length === 1)
    expect(record?.state).toBe("pending")
    const timer = await h.query<{ state: string }>(`SELECT state FROM scheduled_jobs WHERE kind = 'join_request_timeout' AND payload @> '{"request_id": ${record?.id}}'`)
    expect(timer.map((t) => t.state)).toEqual(["queued"])

    const early = h.driver.pressButton(user.id, user.id, dmId, { data: `nz:j:${G}` })
    const missing = await h.driver.waitForAnswer(early)
    expect(missing.showAlert).toBe(true)
    expect(String(missing.text)).toContain(C.title)
    expect(String(missing.text)).toContain(N.title)

    h.driver.setMember(C.id, user.id, { status: "member" }, { silent: true })
    h.driver.setMember(N.id, user.id, { status: "member" }, { silent: true })
    await new Promise((r) => setTimeout(r, 5_100)) // the 5 s press cool-down
    const pressMark = h.driver.mark()
    const press = h.driver.pressButton(user.id, user.id, dmId, { data: `nz:j:${G}` })
    expect(String((await h.driver.waitForAnswer(press)).text)).toContain("You're in")
    await h.driver.waitForCall((c) => c.method === "approveChatJoinRequest" && c.ok && Number(c.params.user_id) === user.id, { after: pressMark })
    const edit = await h.driver.waitForCall((c) => c.method === "editMessageText" && c.ok && Number(c.params.chat_id) === user.id, { after: pressMark })
    expect(String(edit.params.text)).toContain("You're in")
    expect(h.driver.member(G, user.id).status).toBe("member")
    // The check on a press bypasses the cache: both channels are asked again.
    const checks = h.driver.calls({ after: pressMark }).filter((c) => c.method === "getChatMember" && Number(c.params.user_id) === user.id)
    expect(checks.map((c) => Number(c.params.chat_id)).sort()).toEqual([C.id, N.id].sort())
    const [closed] = await waitFor<{ state: string; decidedBy: string | null }>(h, `SELECT state, decided_by FROM join_requests WHERE user_id = ${user.id}`, (rows) => rows[0]?.state === "approved")
    expect(closed?.decidedBy).toBe(`user:${user.id}`)
    await waitFor<{ state: string }>(h, `SELECT state FROM scheduled_jobs WHERE kind = 'join_request_timeout' AND payload @> '{"request_id": ${record?.id}}'`, (rows) => rows[0]?.state === "cancelled")
    const rows = await waitForDecisions(h, `user_id = ${user.id} AND decision = 'approve'`)
    expect(rows[0]?.trigger).toBe("join_request")
  })

  it("BOT-41: joining the missing channel while the request is pending approves it with no button press", async () => {
    const { mark, user } = await request("Jin", [C.id])
    const dm = await dmTo(user.id, mark)
    expect(String(dm.params.text)).toContain(N.title)
    expect(String(dm.params.text)).not.toContain(C.title)
    await waitFor<{ state: string }>(h, `SELECT state FROM join_requests WHERE user_id = ${user.id}`, (rows) => rows[0]?.state === "pending")
    const joinMark = h.driver.mark()
    h.driver.joinChat(user.id, N.id)
    await h.driver.waitForCall((c) => c.method === "approveChatJoinRequest" && c.ok && Number(c.params.user_id) === user.id, { after: joinMark })
    const edit = await h.driver.waitForCall((c) => c.method === "editMessageText" && c.ok && Number(c.params.chat_id) === user.id, { after: joinMark })
    expect(String(edit.params.text)).toContain("You're in")
    const [closed] = await waitFor<{ state: string; decidedBy: string | null }>(h, `SELECT state, decided_by FROM join_requests WHERE user_id = ${user.id}`, (rows) => rows[0]?.state === "approved")
    expect(closed?.decidedBy).toBe(`channel:${N.id}`)
  })

  it("declined after the timeout, the DM edited to say so", async () => {
    const { mark, user } = await request("Jules")
    await dmTo(user.id, mark)
    const [record] = await waitFor<{ id: number }>(h, `SELECT id FROM join_requests WHERE user_id = ${user.id} AND dm_message_id IS NOT NULL`, (rows) => rows.length === 1)
    await bringTimeoutForward(h, record?.id)
    await h.driver.waitForCall((c) => c.method === "declineChatJoinRequest" && c.ok && Number(c.params.user_id) === user.id, { after: mark, timeoutMs: 10_000 })
    const edit = await h.driver.waitForCall((c) => c.method === "editMessageText" && c.ok && Number(c.params.chat_id) === user.id, { after: mark })
    expect(String(edit.params.text)).toContain("expired")
    expect(h.driver.member(G, user.id).status).toBe("left")
    expect((await stateOf(user.id)).map((r) => [r.state, r.decidedBy])).toEqual([["declined", "timeout"]])
    const rows = await waitForDecisions(h, `user_id = ${user.id} AND decision = 'decline'`)
    expect(rows[0]?.reason).toBe("timeout")
  })

  it("LIM-6: an approval Telegram refuses for now is retried by a durable job", async () => {
    // Three 500s: the call's own attempts (LIM-6) are used up.
    h.driver.injectFault({ method: "approveChatJoinRequest", kind: "error", status: 500, count: 3 })
    const { mark, user } = await request("Janek", [C.id, N.id])
    const [record] = await waitFor<{ id: number }>(h, `SELECT id FROM join_requests WHERE user_id = ${user.id}`, (rows) => rows.length === 1)
    const job = `kind = 'join_request_approve' AND payload @> '{"request_id": ${record?.id}}'`
    await waitFor(h, `SELECT id FROM scheduled_jobs WHERE ${job} AND state = 'queued'`, (rows) => rows.length === 1)
    // The request keeps a deadline meanwhile, so it ends even if no retry gets through.
    expect(await h.query(`SELECT id FROM scheduled_jobs WHERE kind = 'join_request_timeout' AND payload @> '{"request_id": ${record?.id}}'`)).toHaveLength(1)
    // Its first run is a minute away: bring it forward, as the clock would.
    await h.query(`UPDATE scheduled_jobs SET run_at = now() WHERE ${job}`)
    await h.driver.waitForCall((c) => c.method === "approveChatJoinRequest" && c.ok && Number(c.params.user_id) === user.id, { after: mark, timeoutMs: 10_000 })
    expect(h.driver.member(G, user.id).status).toBe("member")
    await waitFor<{ state: string }>(h, `SELECT state FROM join_requests WHERE id = ${record?.id}`, (rows) => rows[0]?.state === "approved")
    await waitFor<{ state: string }>(h, `SELECT state FROM scheduled_jobs WHERE kind = 'join_request_timeout' AND payload @> '{"request_id": ${record?.id}}'`, (rows) => rows[0]?.state === "cancelled")
  })

  it("at the deadline, a requester who joined the channels meanwhile (no update seen) is approved, not declined", async () => {
    const { mark, user } = await request("Jakob")
    await dmTo(user.id, mark)
    const [record] = await waitFor<{ id: number }>(h, `SELECT id FROM join_requests WHERE user_id = ${user.id} AND dm_message_id IS NOT NULL`, (rows) => rows.length === 1)
    for (const c of [C.id, N.id]) h.driver.setMember(c, user.id, { status: "member" }, { silent: true })
    await bringTimeoutForward(h, record?.id)
    await h.driver.waitForCall((c) => c.method === "approveChatJoinRequest" && c.ok && Number(c.params.user_id) === user.id, { after: mark, timeoutMs: 10_000 })
    expect(h.driver.calls({ after: mark }).some((c) => c.method === "declineChatJoinRequest")).toBe(false)
    const [closed] = await waitFor<{ state: string; decidedBy: string | null }>(h, `SELECT state, decided_by FROM join_requests WHERE id = ${record?.id}`, (rows) => rows[0]?.state !== "pending")
    expect(closed).toEqual({ state: "approved", decidedBy: "timeout" })
    const rows = await waitForDecisions(h, `user_id = ${user.id} AND decision = 'approve'`)
    expect(rows[0]?.reason).toBe("timeout_recheck")
  })

  it("BOT-47: a request someone else already handled closes the record without error", async () => {
    const { mark, user } = await request("Jo")
    await dmTo(user.id, mark)
    const [record] = await waitFor<{ id: number }>(h, `SELECT id FROM join_requests WHERE user_id = ${user.id} AND dm_message_id IS NOT NULL`, (rows) => rows.length === 1)
    // Another admin approves the request by hand (a direct Bot API call at the sandbox); the bot's timeout then
    // meets Telegram's "already a participant" answer.
    const approved = await fetch(`${h.sandbox.apiRoot}/bot${h.sandbox.token}/approveChatJoinRequest`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ chat_id: G, user_id: user.id })
    })
    expect(approved.ok).toBe(true)
    // BOT-31 trusts only the bot's own approvals: this join is checked, and Jo, in no channel, is muted.
    const join = await waitForDecisions(h, `user_id = ${user.id} AND trigger = 'join'`)
    expect(join[0]?.decision).toBe("restrict")
    await bringTimeoutForward(h, record?.id)
    const [closed] = await waitFor<{ state: string; decidedBy: string | null }>(h, `SELECT state, decided_by FROM join_requests WHERE id = ${record?.id}`, (rows) => rows[0]?.state !== "pending")
    expect(closed?.decidedBy).toBe("external")
    const job = await waitFor<{ state: string }>(h, `SELECT state FROM scheduled_jobs WHERE kind = 'join_request_timeout' AND payload @> '{"request_id": ${record?.id}}'`, (rows) => rows[0]?.state === "done")
    expect(job).toHaveLength(1)
  })

  it("BOT-52: in a dry run a member's request is neither approved nor declined, only recorded as dry_run", async () => {
    await h.setSetting(G, "dry_run", true)
    try {
      const { mark, user } = await request("Dora", [C.id, N.id])
      const rows = await waitForDecisions(h, `user_id = ${user.id} AND trigger = 'join_request'`)
      expect(rows[0]).toMatchObject({ decision: "dry_run", reason: "would_approve" })
      expect((await stateOf(user.id))[0]?.state).toBe("abandoned")
      await new Promise((r) => setTimeout(r, 300))
      expect(h.driver.calls({ after: mark }).filter((c) => c.method === "approveChatJoinRequest" || c.method === "declineChatJoinRequest")).toEqual([])
    } finally {
      await h.setSetting(G, "dry_run", false)
    }
  })

  it("with join_gate off, requests are ignored (left to human admins)", async () => {
    await h.setSetting(G, "join_gate", false)
    const { mark, user } = await request("Jasper")
    await new Promise((r) => setTimeout(r, 1500))
    const calls = h.driver.calls({ after: mark }).filter((c) => !periodic.has(c.method))
    expect(calls).toEqual([])
    expect(await stateOf(user.id)).toEqual([])
  })

})
