import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, startNezuko, waitForDecisions } from "./botHarness.js"

const OLD = -4_000_000_123
const SECOND = -4_000_000_456
const { carol } = DEMO.users

describe("the bot against the sandbox: group → supergroup migration (BOT-50)", () => {
  let h: BotHarness
  beforeAll(async () => {
    h = await startNezuko({
      sandbox: { demo: true },
      world: (driver) => {
        driver.createGroup({ id: OLD, title: "Basic Group", ownerId: carol.id, bot: "admin", permissions: DEMO.groupPermissions })
        driver.createGroup({ id: SECOND, title: "Second Basic Group", ownerId: carol.id, bot: "admin", permissions: DEMO.groupPermissions })
        return [
          { group: { id: OLD, title: "Basic Group" }, channels: [DEMO.channel, DEMO.news], protectedBy: carol.id },
          { group: { id: SECOND, title: "Second Basic Group" }, channels: [DEMO.channel], protectedBy: carol.id }
        ]
      }
    })
  })
  afterAll(async () => {
    await h?.close()
  })

  const waitForRows = async <A extends object>(text: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const rows = await h.query<A>(text)
      if (rows.length > 0) return rows
      if (Date.now() > deadline) throw new Error(`no rows for ${text}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  it("re-keys the protected group once, moves its history and queued jobs, and enforcement continues under the new id", async () => {
    await h.query(`INSERT INTO verification_log (group_id, user_id, trigger, decision) VALUES (${OLD}, 1, 'message', 'pass')`)
    await h.query(`INSERT INTO whitelist (group_id, user_id) VALUES (${OLD}, 42)`)
    await h.query(`INSERT INTO verification_hourly (bucket, group_id, trigger, decision, count, cached_count, checked_count, latency_sum_ms)
      VALUES (date_trunc('hour', now()) - interval '1 hour', ${OLD}, 'message', 'pass', 5, 2, 3, 10)`)
    await h.query(`INSERT INTO scheduled_jobs (kind, run_at, payload, dedupe_key) VALUES ('health_check', now() + interval '6 hours', '{"group_id": ${OLD}}', 'health_check:${OLD}')`)

    const supergroup = h.driver.upgradeToSupergroup(OLD)
    const NEW = supergroup.id
    const moved = await waitForRows<{ chatId: number; type: string; migratedFromChatId: number; enabled: boolean }>(
      `SELECT chat_id, type, migrated_from_chat_id, enabled FROM groups WHERE chat_id = ${NEW}`
    )
    expect(moved[0]).toMatchObject({ type: "supergroup", migratedFromChatId: OLD, enabled: true })
    expect(Number(moved[0]?.chatId)).toBe(NEW)
    expect(await h.query(`SELECT 1 FROM groups WHERE chat_id = ${OLD}`)).toEqual([])
    expect(await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM group_channels WHERE group_id = ${NEW}`)).toEqual([{ n: 2 }])
    expect(await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM group_settings WHERE group_id = ${NEW}`)).toEqual([{ n: 1 }])
    expect(await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM whitelist WHERE group_id = ${NEW}`)).toEqual([{ n: 1 }])
    expect(await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM verification_log WHERE group_id = ${OLD}`)).toEqual([{ n: 0 }])
    expect(await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM verification_log WHERE group_id = ${NEW}`)).toEqual([{ n: 1 }])
    // The hourly rollup follows with every counter (the panel's figures read it).
    expect(await h.query(`SELECT count, cached_count, checked_count FROM verification_hourly WHERE group_id = ${NEW} AND decision = 'pass'`))
      .toEqual([{ count: 5, cachedCount: 2, checkedCount: 3 }])
    const jobs = await h.query<{ groupId: string; dedupeKey: string }>(`SELECT payload->>'group_id' AS group_id, dedupe_key FROM scheduled_jobs WHERE kind = 'health_check' AND state = 'queued'`)
    expect(jobs.map((j) => [Number(j.groupId), j.dedupeKey])).toContainEqual([NEW, `health_check:${NEW}`])

    // Both service messages arrive; the second is a no-op: one audit row.
    await new Promise((r) => setTimeout(r, 1_000))
    expect(await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'bot.group_migrated'`)).toEqual([{ n: 1 }])

    // Enforcement continues under the new id with a fresh snapshot.
    const newcomer = h.driver.createUser({ firstName: "Newcomer" })
    h.driver.setMember(NEW, newcomer.id, { status: "member" }, { silent: true })
    const mark = h.driver.mark()
    h.driver.sendMessage(newcomer.id, NEW, "hello after the upgrade")
    await h.driver.waitForRestrict(NEW, newcomer.id, { after: mark })
    const rows = await waitForDecisions(h, `group_id = ${NEW} AND user_id = ${newcomer.id} AND trigger = 'message'`)
    expect(rows[0]).toMatchObject({ decision: "restrict" })
    expect(await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM restrictions WHERE group_id = ${NEW} AND user_id = ${newcomer.id} AND state = 'pending'`)).toEqual([{ n: 1 }])
  }, 60_000)

  it("a reply to a command sent just before the upgrade is sent again to the supergroup, without its quote", async () => {
    const mark = h.driver.mark()
    const command = h.driver.sendCommand(carol.id, SECOND, "status")
    // Upgraded before the bot has fetched the command, so its reply to the old id meets migrate_to_chat_id.
    const NEW = h.driver.upgradeToSupergroup(SECOND).id
    const refused = await h.driver.waitForCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === SECOND, { after: mark, timeoutMs: 10_000 })
    expect(refused).toMatchObject({ ok: false, errorCode: 400 })
    const reply = await h.driver.waitForCall((c) => c.method === "sendMessage" && Number(c.params.chat_id) === NEW && c.ok, { after: refused.seq, timeoutMs: 10_000 })
    expect(reply.params.reply_parameters).toBeUndefined()
    expect(h.driver.messages(NEW).some((m) => m.byBot && m.message.message_id === (reply.result as { message_id: number }).message_id)).toBe(true)
    expect(command.chat.id).toBe(SECOND)
    await waitForRows(`SELECT 1 FROM groups WHERE chat_id = ${NEW} AND migrated_from_chat_id = ${SECOND}`)
  }, 30_000)
})
