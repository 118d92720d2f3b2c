import { DEMO } from "@nezuko/telegram-sandbox"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type BotHarness, newUser, startBot, waitForDecisions } from "./botHarness.js"
import { eventually, getJson, metricSample, pgServerUrl, startRedisServer, startTcpProxy } from "./support.js"

const G = DEMO.group.id

const subscriber = (h: BotHarness, firstName: string) => {
  const u = newUser(h, firstName)
  h.driver.setMember(DEMO.channel.id, u.id, { status: "member" }, { silent: true })
  h.driver.setMember(DEMO.news.id, u.id, { status: "member" }, { silent: true })
  return u
}

const readyz = (h: BotHarness) => getJson(`${h.health}/readyz`)
const circuit = (breaker: string) => async (h: BotHarness) =>
  metricSample(await (await fetch(`${h.health}/metrics`)).text(), "nezuko_circuit_state", { breaker })
const redisCircuit = circuit("redis")
/** 0 closed, 1 half-open, 2 open. */
const postgresCircuit = circuit("postgres")

describe("AT-18: Redis down — the bot keeps enforcing on memory and reports degraded", () => {
  let h: BotHarness
  let redis: Awaited<ReturnType<typeof startRedisServer>>
  beforeAll(async () => {
    redis = await startRedisServer()
    await redis.stop()
    // A 1 s open time keeps the doubling after failed probes (LIM-12) short enough for the recovery to be quick.
    h = await startBot({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: `nz:e2e:at18:${Date.now().toString(36)}:`, BREAKER_REDIS_OPEN_SECONDS: "1" }, { serveHealth: true })
  })
  afterAll(async () => {
    await h?.close()
    await redis?.stop()
  })

  it("members post: a non-subscriber is muted, a subscriber passes from the memory cache; /readyz is 200 degraded", async () => {
    const outsider = newUser(h, "Outsider")
    const member = subscriber(h, "Member")
    const mark = h.driver.mark()
    h.driver.sendMessage(outsider.id, G, "hi")
    h.driver.sendMessage(member.id, G, "hi")
    await h.driver.waitForRestrict(G, outsider.id, { after: mark, timeoutMs: 15_000 })
    await h.driver.waitForCall((c) => c.method === "sendMessage" && c.ok && String(c.params.text).includes(`tg://user?id=${outsider.id}`), { after: mark })
    expect(await waitForDecisions(h, `user_id = ${outsider.id}`)).toMatchObject([{ decision: "restrict", missingChannelIds: [DEMO.channel.id, DEMO.news.id] }])
    await waitForDecisions(h, `user_id = ${member.id}`)
    h.driver.sendMessage(member.id, G, "again")
    const passes = await waitForDecisions(h, `user_id = ${member.id}`, 2)
    expect(passes).toMatchObject([{ decision: "pass", cached: false }, { decision: "pass", cached: true }])
    expect(h.driver.calls({ method: "getChatMember", after: mark }).filter((c) => Number(c.params.user_id) === member.id && Number(c.params.chat_id) !== G))
      .toHaveLength(2)

    const ready = await readyz(h)
    expect(ready.status).toBe(200)
    expect(ready.body).toMatchObject({ status: "degraded", ready: true, checks: { redis: { status: "down" }, database: { status: "up" } } })
    expect(await redisCircuit(h)).toBeGreaterThan(0)
  }, 45_000)

  it("once Redis is back the breaker closes at its next half-open probe: circuit state 0 and /readyz healthy", async () => {
    await redis.start()
    // ioredis reconnects with at most 5 s between attempts (CACHE-6), then the probe needs two PINGs.
    await eventually(async () => (await redisCircuit(h)) === 0, 30_000, "the redis breaker to close")
    await eventually(async () => (await readyz(h)).body.status === "healthy", 10_000, "/readyz healthy")
    expect(await readyz(h)).toMatchObject({ status: 200, body: { ready: true, checks: { redis: { status: "up" }, breakers: { redis: "closed" } } } })
    const late = newUser(h, "Latecomer")
    const mark = h.driver.mark()
    h.driver.sendMessage(late.id, G, "hi")
    await h.driver.waitForRestrict(G, late.id, { after: mark, timeoutMs: 15_000 })
  }, 60_000)
})

describe("AT-18: Postgres down — /readyz 503, the postgres breaker opens and polling pauses; nothing is confirmed until it is back", () => {
  let h: BotHarness
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>
  beforeAll(async () => {
    const server = new URL(pgServerUrl)
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) })
    // 5 s instead of LIM-12's 30 s: failed probes double it (5, 10, 20 s), so recovery stays within the test's waits.
    h = await startBot({ BREAKER_POSTGRES_OPEN_SECONDS: "5" }, {
      serveHealth: true,
      databaseUrl: (url) => {
        const viaProxy = new URL(url)
        viaProxy.port = String(proxy.port)
        return viaProxy.toString()
      }
    })
  })
  afterAll(async () => {
    proxy?.restore()
    await h?.close()
    await proxy?.close()
  })

  it("cut: 503, breaker open, no getUpdates and nothing confirmed; restored: breaker closed, polling resumes, every update of the outage handled and confirmed", async () => {
    expect((await readyz(h)).status).toBe(200)
    expect(await postgresCircuit(h)).toBe(0)
    proxy.cut()
    await eventually(async () => (await readyz(h)).status === 503, 15_000, "/readyz 503")
    expect((await readyz(h)).body).toMatchObject({ status: "unhealthy", ready: false, checks: { database: { status: "down" } } })

    const outsider = newUser(h, "OutageOutsider")
    const member = subscriber(h, "OutageMember")
    const cut = h.driver.mark()
    const sent = [h.driver.sendMessage(outsider.id, G, "during the outage"), h.driver.sendMessage(member.id, G, "during the outage")]
    const ids = new Set(sent.map((m) => m.message_id))
    const outageUpdates = h.driver.updateHistory().filter((u) => u.message?.chat.id === G && ids.has(u.message.message_id)).map((u) => u.update_id)
    expect(outageUpdates).toHaveLength(2)
    const firstOutageUpdate = Math.min(...outageUpdates)

    // The bot's own queries (the handlers of these updates, jobs, heartbeat) hit the outage: LIM-12's 3 consecutive
    // failures open the postgres breaker (PostgresBreakerLive).
    await eventually(async () => (await postgresCircuit(h)) === 2, 15_000, "the postgres breaker to open")
    // The long poll that was waiting when the messages came has returned them; from here on nothing may fetch.
    await new Promise((r) => setTimeout(r, 1_000))
    const opened = h.driver.mark()

    // Longer than the poller lock's 10 s connection check, so the poller had every chance to move on.
    await new Promise((r) => setTimeout(r, 12_000))
    expect((await getJson(`${h.health}/healthz`)).status).toBe(200)
    expect((await readyz(h)).status).toBe(503)
    expect(await postgresCircuit(h)).toBeGreaterThan(0)
    // LIM-13: polling paused — not one getUpdates while the breaker was open, let alone one that confirms.
    expect(h.driver.calls({ method: "getUpdates", after: opened })).toEqual([])
    const confirmedPast = h.driver.calls({ method: "getUpdates", after: cut }).filter((c) => Number(c.params.offset ?? 0) > firstOutageUpdate)
    expect(confirmedPast).toEqual([])
    const pending = new Set(h.driver.pendingUpdates().map((u) => u.update_id))
    expect(outageUpdates.every((id) => pending.has(id))).toBe(true)

    proxy.restore()
    await eventually(async () => (await readyz(h)).status === 200, 30_000, "/readyz 200 again")
    // The half-open probe (SELECT 1) succeeds twice and closes it; polling resumes.
    await eventually(async () => (await postgresCircuit(h)) === 0, 45_000, "the postgres breaker to close")
    await eventually(async () => h.driver.calls({ method: "getUpdates", after: opened }).length > 0, 15_000, "polling to resume")
    await eventually(async () => {
      const left = new Set(h.driver.pendingUpdates().map((u) => u.update_id))
      return outageUpdates.every((id) => !left.has(id))
    }, 45_000, "the outage's updates to be confirmed")
    const rows = await h.query<{ correlationId: string; userId: number; decision: string }>(
      `SELECT correlation_id, user_id, decision FROM verification_log WHERE correlation_id IN (${outageUpdates.map((id) => `'upd-${id}'`).join(", ")}) ORDER BY id`
    )
    expect(rows.map((r) => [r.userId, r.decision]).sort()).toEqual([[member.id, "pass"], [outsider.id, "restrict"]].sort())
    expect(h.driver.member(G, outsider.id)).toMatchObject({ status: "restricted" })
    const records = await h.query<{ state: string }>(`SELECT state FROM restrictions WHERE user_id = ${outsider.id}`)
    expect(records).toEqual([{ state: "pending" }])
  }, 150_000)
})

describe("LIM-13: Telegram out — the delete and the prompt wait in the outbox, the mute in restrict_retry; nothing is lost", () => {
  let h: BotHarness
  beforeAll(async () => {
    // One 5xx opens the telegram breaker, for 2 s: the flow's first failure turns every later call of it away.
    h = await startBot({ BREAKER_TELEGRAM_FAILURES: "1", BREAKER_TELEGRAM_OPEN_SECONDS: "2" }, { serveHealth: true })
  })
  afterAll(async () => {
    await h?.close()
  })

  it("a non-subscriber's message, prompt and mute all reach Telegram once it is back", async () => {
    const outsider = newUser(h, "Outsider")
    const mark = h.driver.mark()
    // The delete's first attempt fails and opens the breaker; its retry, the mute and the prompt meet it open.
    h.driver.injectFault({ method: "deleteMessage", kind: "error", status: 500, count: 1 })
    const message = h.driver.sendMessage(outsider.id, G, "hi")
    expect(await waitForDecisions(h, `user_id = ${outsider.id}`)).toMatchObject([{ decision: "restrict" }])
    const [logged] = await h.query<{ errorCode: string | null }>(`SELECT error_code FROM verification_log WHERE user_id = ${outsider.id}`)
    expect(logged?.errorCode).toBe("CircuitOpen")

    // Replayed in the order queued once the open time is over: the message deleted, then the prompt.
    const deleted = await h.driver.waitForCall((c) =>
      c.method === "deleteMessage" && c.ok && Number(c.params.message_id) === message.message_id, { after: mark, timeoutMs: 20_000 })
    const prompt = await h.driver.waitForCall((c) =>
      c.method === "sendMessage" && c.ok && String(c.params.text).includes(`tg://user?id=${outsider.id}`), { after: mark, timeoutMs: 20_000 })
    expect(prompt.seq).toBeGreaterThan(deleted.seq)
    const [record] = await h.query<{ id: number }>(`SELECT id FROM restrictions WHERE user_id = ${outsider.id}`)
    // The job is marked done once the call has returned, a moment after the sandbox saw it.
    const jobs = () => h.query<{ method: string; state: string }>(`SELECT payload->>'method' AS method, state FROM scheduled_jobs
      WHERE kind = 'outbox_send' AND dedupe_key IN ('delete:${G}:${message.message_id}', 'prompt:${record?.id}') ORDER BY id`)
    await expect.poll(jobs, { timeout: 5_000 }).toEqual([{ method: "deleteMessage", state: "done" }, { method: "sendMessage", state: "done" }])
    // The replayed prompt is the record's, as one sent at once would be: its id stored, its deletion scheduled.
    const promptId = (prompt.result as { message_id: number }).message_id
    await eventually(async () => {
      const [stored] = await h.query<{ promptMessageId: number | null }>(`SELECT prompt_message_id FROM restrictions WHERE user_id = ${outsider.id}`)
      return stored?.promptMessageId === promptId
    }, 10_000, "the replayed prompt's id on the record")
    // Scheduled right after the id is stored: polled like it.
    await expect.poll(() => h.query(`SELECT 1 FROM scheduled_jobs WHERE dedupe_key = 'prompt_delete:${G}:${promptId}' AND state = 'queued'`), { timeout: 5_000 })
      .toHaveLength(1)

    // BOT-28's restrict_retry ladder mutes them at its first rung (30 s).
    await h.driver.waitForRestrict(G, outsider.id, { after: mark, timeoutMs: 45_000 })
    expect(h.driver.member(G, outsider.id)).toMatchObject({ status: "restricted", can_send_messages: false })
  }, 90_000)
})
