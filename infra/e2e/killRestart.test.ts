import { SqlClient } from "@effect/sql"
import { BaseLive, DatabaseLive, EngineReposLive } from "@nezuko/core"
import { seedDemoProtection } from "@nezuko/bot"
import { DEMO, startSandbox } from "@nezuko/telegram-sandbox"
import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createDatabase, eventually, freePort, type RunningProcess, startProcess, waitForIntake } from "./support.js"

const G = DEMO.group.id
// Issue #7: a 200-update burst, half subscribers and half not.
const PER_KIND = 100

describe("AT-10: kill -9 in the middle of a burst, then restart", () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>
  let db: Awaited<ReturnType<typeof createDatabase>>
  const makeRuntime = (url: string) => {
    const config = ConfigProvider.fromMap(new Map([["DATABASE_URL", url], ["LOG_LEVEL", "error"], ["DATABASE_POOL_SIZE", "2"]]))
    return ManagedRuntime.make(EngineReposLive.pipe(Layer.provideMerge(DatabaseLive), Layer.provideMerge(BaseLive("cli")), Layer.provide(Layer.setConfigProvider(config))))
  }
  let runtime: ReturnType<typeof makeRuntime>
  let bot: RunningProcess | undefined

  const query = <A extends object>(text: string) => runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<A>(text)))
  const startBotProcess = async () => {
    const env = {
      TELEGRAM_API_ROOT: sandbox.apiRoot, SANDBOX_BOT_TOKEN: sandbox.token, DATABASE_URL: db.url, HEALTH_PORT: String(await freePort()),
      LOG_FORMAT: "json", LOG_LEVEL: "warn", NEZUKO_ROLES: "bot", INSTANCE_ID: "at10", RATE_LIMIT_API_CALLS: "1000"
    }
    const mark = sandbox.driver.mark()
    const started = startProcess("packages/bot/src/main.ts", env)
    await waitForIntake(sandbox.driver, mark, 60_000).catch((error: unknown) => {
      throw new Error(`the bot did not poll within 60 s (exit ${started.child.exitCode}): ${String(error)}\n${started.output().slice(-4_000)}`)
    })
    return started
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ demo: true })
    db = await createDatabase()
    runtime = makeRuntime(db.url)
    await runtime.runPromise(seedDemoProtection({ group: DEMO.group, channels: [DEMO.channel, DEMO.news], protectedBy: DEMO.users.carol.id }))
  })

  afterAll(async () => {
    await bot?.stop("SIGKILL")
    await runtime?.dispose()
    await sandbox?.close()
    await db?.drop()
  })

  it("every update is handled in effect exactly once: no duplicate mute, no lost mute", async () => {
    bot = await startBotProcess()
    const members = Array.from({ length: PER_KIND }, (_, i) => sandbox.driver.createUser({ firstName: `Member${i}` }))
    const outsiders = Array.from({ length: PER_KIND }, (_, i) => sandbox.driver.createUser({ firstName: `Outsider${i}` }))
    for (const u of [...members, ...outsiders]) sandbox.driver.setMember(G, u.id, { status: "member" }, { silent: true })
    for (const u of members) {
      sandbox.driver.setMember(DEMO.channel.id, u.id, { status: "member" }, { silent: true })
      sandbox.driver.setMember(DEMO.news.id, u.id, { status: "member" }, { silent: true })
    }
    const mark = sandbox.driver.mark()
    const sent = members.flatMap((m, i) => {
      const o = outsiders[i]
      return o === undefined ? [] : [sandbox.driver.sendMessage(m.id, G, "hi"), sandbox.driver.sendMessage(o.id, G, "hi")]
    })
    const burstIds = new Set(sent.map((m) => m.message_id))
    const updateIds = sandbox.driver.updateHistory()
      .filter((u) => u.message !== undefined && u.message.chat.id === G && burstIds.has(u.message.message_id))
      .map((u) => u.update_id)
    expect(updateIds).toHaveLength(2 * PER_KIND)

    // Kill once at least 20 updates have left a decision behind.
    await eventually(async () => {
      const rows = await query<{ n: number }>(`SELECT count(*) AS n FROM verification_log WHERE correlation_id IS NOT NULL`)
      return (rows[0]?.n ?? 0) >= 20
    }, 60_000, "20 handled updates")
    await bot.stop("SIGKILL")
    const atKill = await query<{ n: number }>(`SELECT count(DISTINCT correlation_id) AS n FROM verification_log`)
    // The kill has to land mid-burst for the scenario to mean anything.
    expect(atKill[0]?.n ?? 0).toBeLessThan(2 * PER_KIND)
    bot = await startBotProcess()

    await eventually(async () => {
      const rows = await query<{ correlationId: string }>(`SELECT DISTINCT correlation_id FROM verification_log`)
      const seen = new Set(rows.map((r) => r.correlationId))
      return updateIds.every((id) => seen.has(`upd-${id}`))
    }, 120_000, "a log row for every update of the burst")

    const restricts = sandbox.driver.calls({ after: mark }).filter((c) => c.method === "restrictChatMember" && c.ok)
    const perUser = new Map<number, number>()
    for (const c of restricts) perUser.set(Number(c.params.user_id), (perUser.get(Number(c.params.user_id)) ?? 0) + 1)
    for (const o of outsiders) expect(perUser.get(o.id) ?? 0).toBeGreaterThanOrEqual(1)
    // Only an update in flight at the kill may be restricted twice.
    expect([...perUser.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(10)
    for (const m of members) expect(perUser.has(m.id)).toBe(false)
    const pending = await query<{ userId: number; n: number }>(`SELECT user_id, count(*) AS n FROM restrictions WHERE state = 'pending' GROUP BY user_id`)
    expect(pending.length).toBe(PER_KIND)
    expect(pending.every((p) => p.n === 1)).toBe(true)
    const passes = await query<{ n: number }>(`SELECT count(DISTINCT user_id) AS n FROM verification_log WHERE decision = 'pass'`)
    expect(passes[0]?.n).toBe(PER_KIND)
  }, 240_000)
})
