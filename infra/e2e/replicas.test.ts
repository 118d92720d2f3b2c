import { createServer, request as httpRequest, type Server } from "node:http"
import { SqlClient } from "@effect/sql"
import { BaseLive, DatabaseLive, EngineReposLive } from "@nezuko/core"
import { seedDemoProtection } from "@nezuko/bot"
import { DEMO, isMessageProducing, paramNumber, startSandbox } from "@nezuko/telegram-sandbox"
import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createDatabase, eventually, freePort, maxInWindow, type RunningProcess, startProcess } from "./support.js"

const GROUPS = 10
const OUTSIDERS_PER_GROUP = 20

/** A round-robin HTTP proxy in front of the replicas' webhook ports: the URL Telegram (the sandbox) posts to. */
const startRoundRobin = async (ports: ReadonlyArray<number>) => {
  let next = 0
  const server: Server = createServer((req, res) => {
    const port = ports[next++ % ports.length] ?? 0
    const upstream = httpRequest({ host: "127.0.0.1", port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
    })
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  return {
    url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}

describe("two replicas in webhook mode share one Redis, one database and one send budget", () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>
  let db: Awaited<ReturnType<typeof createDatabase>>
  let proxy: Awaited<ReturnType<typeof startRoundRobin>> | undefined
  const bots: Array<RunningProcess> = []
  const makeRuntime = (url: string) => {
    const config = ConfigProvider.fromMap(new Map([["DATABASE_URL", url], ["LOG_LEVEL", "error"], ["DATABASE_POOL_SIZE", "2"]]))
    return ManagedRuntime.make(EngineReposLive.pipe(Layer.provideMerge(DatabaseLive), Layer.provideMerge(BaseLive("cli")), Layer.provide(Layer.setConfigProvider(config))))
  }
  let runtime: ReturnType<typeof makeRuntime>
  const query = <A extends object>(text: string) => runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<A>(text)))

  beforeAll(async () => {
    sandbox = await startSandbox({ demo: true })
    db = await createDatabase()
    runtime = makeRuntime(db.url)
  })

  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop("SIGKILL")))
    await proxy?.close()
    await runtime?.dispose()
    await sandbox?.close()
    await db?.drop()
  })

  it("never more than 25 sends in any second, 20 per group per minute, and both replicas handle updates", async () => {
    const d = sandbox.driver
    const groups = Array.from({ length: GROUPS }, (_, i) =>
      d.createSupergroup({ title: `Replica Group ${i}`, ownerId: DEMO.users.owner.id, bot: "admin" }))
    for (const g of groups) {
      await runtime.runPromise(seedDemoProtection({ group: { id: g.id, title: g.title ?? "" }, channels: [DEMO.channel, DEMO.news], protectedBy: DEMO.users.carol.id }))
    }
    const outsiders = groups.map((g, gi) =>
      Array.from({ length: OUTSIDERS_PER_GROUP }, (_, i) => {
        const u = d.createUser({ firstName: `Outsider${gi}_${i}` })
        d.setMember(g.id, u.id, { status: "member" }, { silent: true })
        return u
      }))

    const ports = [await freePort(), await freePort()]
    proxy = await startRoundRobin(ports)
    const prefix = `nz:e2e:replicas:${Date.now().toString(36)}:`
    const mark = d.mark()
    for (const [i, port] of ports.entries()) {
      bots.push(startProcess("packages/bot/src/main.ts", {
        TELEGRAM_API_ROOT: sandbox.apiRoot, SANDBOX_BOT_TOKEN: sandbox.token, DATABASE_URL: db.url, DATABASE_POOL_SIZE: "5",
        BOT_MODE: "webhook", WEBHOOK_URL: proxy.url, WEBHOOK_SECRET: "replica_secret_e2e", WEBHOOK_PORT: String(port),
        REDIS_URL: "redis://127.0.0.1:6379", REDIS_KEY_PREFIX: prefix, NEZUKO_ROLES: "bot,jobs",
        INSTANCE_ID: `replica-${i}`, HEALTH_PORT: String(await freePort()), LOG_FORMAT: "json", LOG_LEVEL: "warn"
      }))
    }
    // Only the leader registers the webhook (OPS-12); both replicas must be listening before the burst.
    await d.waitForCall((c) => c.method === "setWebhook" && c.ok, { after: mark, timeoutMs: 30_000 })
    for (const port of ports) {
      await eventually(async () => (await fetch(`http://127.0.0.1:${port}/telegram/webhook`)).status === 405, 30_000, `webhook on ${port}`)
    }

    const burst = d.mark()
    const started = Date.now()
    for (let i = 0; i < OUTSIDERS_PER_GROUP; i++) {
      for (const [gi, g] of groups.entries()) {
        const u = outsiders[gi]?.[i]
        if (u !== undefined) d.sendMessage(u.id, g.id, `hello ${i}`)
      }
    }
    const everyone = outsiders.flat()
    await eventually(async () => {
      const rows = await query<{ n: number }>(`SELECT count(DISTINCT user_id) AS n FROM verification_log WHERE decision = 'restrict'`)
      return Number(rows[0]?.n ?? 0) >= everyone.length
    }, 75_000, "a restrict decision for every outsider")
    // Let the prompts queued behind the limiter go out.
    await eventually(async () => d.calls({ after: burst }).filter((c) => c.method === "sendMessage").length >= GROUPS, 20_000, "prompts")
    await new Promise((r) => setTimeout(r, 2_000))
    const elapsed = Date.now() - started

    const calls = d.calls({ after: burst })
    const sent = calls.filter((c) => isMessageProducing(c.method))
    const perSecond = maxInWindow(sent.map((c) => c.at), 1_000)
    const perGroup = groups.map((g) => maxInWindow(sent.filter((c) => paramNumber(c, "chat_id") === g.id).map((c) => c.at), 60_000))
    const uninjected429 = d.violations().filter((v) => !v.injected)
    const instances = await query<{ instanceId: string; n: number }>(
      `SELECT instance_id, count(*) AS n FROM verification_log GROUP BY instance_id ORDER BY instance_id`)
    console.info(JSON.stringify({
      sends: sent.length, maxSendsPerSecond: perSecond, maxPerGroupPerMinute: Math.max(...perGroup),
      restricts: calls.filter((c) => c.method === "restrictChatMember" && c.ok).length, violations: uninjected429.length,
      instances, elapsedMs: elapsed
    }))

    expect(sent.length).toBeGreaterThan(25)
    expect(perSecond).toBeLessThanOrEqual(25)
    for (const n of perGroup) expect(n).toBeLessThanOrEqual(20)
    expect(uninjected429).toEqual([])
    const handledBy = instances.filter((r) => r.instanceId !== null && Number(r.n) > 0).map((r) => r.instanceId)
    expect(handledBy).toEqual(expect.arrayContaining(["replica-0", "replica-1"]))
  }, 90_000)
})
