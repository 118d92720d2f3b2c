import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, newUser, promptFor, startBot } from "./botHarness.js"

const G = DEMO.group.id

describe("the bot against the sandbox: the reconciler and unmute retries (LIM-8, OPS-16)", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startBot()
  })
  afterAll(async () => {
    await h?.close()
  })

  const waitFor = async <A extends object>(text: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const rows = await h.query<A>(text)
      if (rows.length > 0) return rows
      if (Date.now() > deadline) throw new Error(`no rows for ${text}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  const reconcile = async () => {
    const [job] = await h.query<{ id: number }>(`INSERT INTO scheduled_jobs (kind, run_at, payload) VALUES ('reconcile', now(), '{}') RETURNING id`)
    return (await waitFor<{ result: { released: number; expired: number } }>(`SELECT result FROM scheduled_jobs WHERE id = ${job?.id ?? 0} AND state = 'done'`))[0]?.result
  }
  /** A retry ladder's first job (attempt 1, 30 s out), run now; its outcome. */
  const firstRetryRunNow = async (where: string) => {
    const [retry] = await waitFor<{ id: number; delay: number; payload: { attempt: number } }>(
      `SELECT id, extract(epoch FROM run_at - created_at)::int AS delay, payload FROM scheduled_jobs WHERE ${where}`)
    expect(retry?.payload.attempt).toBe(1)
    expect(retry?.delay).toBeGreaterThanOrEqual(25)
    expect(retry?.delay).toBeLessThanOrEqual(31)
    await h.query(`UPDATE scheduled_jobs SET run_at = now() WHERE id = ${retry?.id}`)
    const [done] = await waitFor<{ result: { outcome: string } }>(`SELECT result FROM scheduled_jobs WHERE id = ${retry?.id} AND state = 'done'`)
    return done?.result.outcome
  }
  const pending = async (userId: number, until: string) =>
    (await h.query<{ id: number }>(`INSERT INTO restrictions (group_id, user_id, trigger, restricted_until) VALUES (${G}, ${userId}, 'message', ${until}) RETURNING id`))[0]?.id ?? 0
  const muted = (userId: number) =>
    h.driver.setMember(G, userId, { status: "restricted", permissions: { can_send_messages: false }, untilDate: Math.floor(Date.now() / 1000) + 3_600 }, { silent: true })

  it("BOT-28: a mute that fails transiently is retried by restrict_retry; when the ladder is used up, an alert", async () => {
    const u = newUser(h, "Mute Later")
    h.driver.injectFault({ method: "restrictChatMember", kind: "error", status: 500, count: 3 })
    const mark = h.driver.mark()
    const message = h.driver.sendMessage(u.id, G, "hi")
    await h.driver.waitForDelete(G, message.message_id, { after: mark })
    await promptFor(h, u.id, mark)
    const [decision] = await waitFor<{ decision: string; errorCode: string | null }>(`SELECT decision, error_code FROM verification_log WHERE user_id = ${u.id}`)
    expect(decision).toEqual({ decision: "restrict", errorCode: "TelegramTransient" })
    const before = h.driver.mark()
    expect(await firstRetryRunNow(`kind = 'restrict_retry' AND payload @> '{"user_id": ${u.id}}'`)).toBe("muted")
    await h.driver.waitForRestrict(G, u.id, { after: before })
    const [record] = await h.query<{ restrictedUntil: Date | null }>(`SELECT restricted_until FROM restrictions WHERE user_id = ${u.id}`)
    expect(record?.restrictedUntil?.getTime()).toBeGreaterThan(Date.now())

    // The last rung fails as well: nobody is left silently unmuted.
    const v = newUser(h, "Never Muted")
    h.driver.injectFault({ method: "restrictChatMember", kind: "error", status: 500, count: 6 })
    h.driver.sendMessage(v.id, G, "hi")
    const [last] = await waitFor<{ id: number }>(`SELECT id FROM scheduled_jobs WHERE kind = 'restrict_retry' AND payload @> '{"user_id": ${v.id}}'`)
    await h.query(`UPDATE scheduled_jobs SET run_at = now(), payload = jsonb_set(payload, '{attempt}', '4') WHERE id = ${last?.id}`)
    const [alerted] = await waitFor<{ result: { outcome: string } }>(`SELECT result FROM scheduled_jobs WHERE id = ${last?.id} AND state = 'done'`)
    expect(alerted?.result.outcome).toBe("alerted")
    const [alert] = await waitFor<{ details: { user_id: number } }>(`SELECT details FROM alerts WHERE kind = 'mute_failed' AND group_id = ${G} AND resolved_at IS NULL`)
    expect(alert?.details.user_id).toBe(v.id)
    // The reconciler's tests below count the group's pending records: these two are not theirs.
    await h.query(`UPDATE restrictions SET state = 'released' WHERE user_id IN (${u.id}, ${v.id})`)
  }, 60_000)

  it("LIM-8: a pending record whose mute ran out is marked expired", async () => {
    const user = newUser(h, "Expired")
    const id = await pending(user.id, "now() - interval '1 hour'")
    expect(await h.query(`SELECT state FROM restrictions WHERE id = ${id}`)).toEqual([{ state: "pending" }])
    // The leader's own reconcile job of the start may get there first; either way the record is expired.
    expect(await reconcile()).toHaveProperty("expired")
    expect(await h.query(`SELECT state, resolved_by FROM restrictions WHERE id = ${id}`)).toEqual([{ state: "expired", resolvedBy: "reconcile" }])
  }, 30_000)

  it("LIM-8 and OPS-16: a disabled group's pending records are closed and restored; a transient failure is retried by unmute_retry", async () => {
    const ok = newUser(h, "Restored")
    const flaky = newUser(h, "Flaky")
    muted(ok.id)
    muted(flaky.id)
    const okId = await pending(ok.id, "now() + interval '1 day'")
    await h.query(`UPDATE groups SET enabled = false WHERE chat_id = ${G}`)
    const mark = h.driver.mark()
    // The first record's restore goes through; the second's fails three times (its whole in-call retry budget).
    const result = await reconcile()
    expect(result).toMatchObject({ released: 1 })
    await h.driver.waitForRestrict(G, ok.id, { after: mark })
    expect(await h.query(`SELECT state, resolved_by FROM restrictions WHERE id = ${okId}`)).toEqual([{ state: "released", resolvedBy: "reconcile" }])

    const flakyId = await pending(flaky.id, "now() + interval '1 day'")
    h.driver.injectFault({ method: "restrictChatMember", kind: "error", status: 500, count: 3 })
    expect(await reconcile()).toMatchObject({ released: 1 })
    const before = h.driver.mark()
    expect(await firstRetryRunNow(`kind = 'unmute_retry' AND (payload->>'restriction_id')::bigint = ${flakyId}`)).toBe("restored")
    await h.driver.waitForRestrict(G, flaky.id, { after: before })
  }, 60_000)

  it("LIM-8: an unmute_retry of an old record leaves alone a user muted again under a newer one", async () => {
    const again = newUser(h, "Muted Again")
    muted(again.id)
    const old = await pending(again.id, "now() + interval '1 day'")
    await h.query(`UPDATE restrictions SET state = 'verified' WHERE id = ${old}`)
    // Muted anew (a channel leave, say) while the old record's restore waited for its retry.
    await pending(again.id, "now() + interval '1 day'")
    const mark = h.driver.mark()
    const [job] = await h.query<{ id: number }>(`INSERT INTO scheduled_jobs (kind, run_at, payload) VALUES ('unmute_retry', now(),
      '{"restriction_id": ${old}, "group_id": ${G}, "user_id": ${again.id}, "attempt": 1, "first_failed_at": ${Date.now()}}') RETURNING id`)
    const [done] = await waitFor<{ result: { outcome: string } }>(`SELECT result FROM scheduled_jobs WHERE id = ${job?.id} AND state = 'done'`)
    expect(done?.result.outcome).toBe("pending_again")
    expect(h.driver.calls({ after: mark }).filter((c) => c.method === "restrictChatMember" && Number(c.params.user_id) === again.id)).toEqual([])
    expect(h.driver.member(G, again.id).status).toBe("restricted")
  }, 30_000)

  it("OPS-16: after 48 h of failed retries the user is reported as stuck", async () => {
    const stuck = newUser(h, "Stuck")
    muted(stuck.id)
    const id = await pending(stuck.id, "now() + interval '1 day'")
    await h.query(`UPDATE restrictions SET state = 'released' WHERE id = ${id}`)
    h.driver.injectFault({ method: "restrictChatMember", kind: "error", status: 500, count: 3 })
    const firstFailedAt = Date.now() - 47 * 3_600_000
    await h.query(`INSERT INTO scheduled_jobs (kind, run_at, payload) VALUES ('unmute_retry', now(),
      '{"restriction_id": ${id}, "group_id": ${G}, "user_id": ${stuck.id}, "attempt": 11, "first_failed_at": ${firstFailedAt}}')`)
    const [alert] = await waitFor<{ kind: string; details: { restriction_id: number } }>(`SELECT kind, details FROM alerts WHERE kind = 'stuck_user' AND group_id = ${G}`)
    expect(alert?.details.restriction_id).toBe(id)
  }, 30_000)
})
