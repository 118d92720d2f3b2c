import type { Server } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createDatabase, eventually, freePort, getJson, type RunningProcess, startGetMeServer, startProcess, startTcpProxy } from "./support.js"

const botEntry = "packages/bot/src/main.ts"

describe("pnpm bot against a fresh database and a Bot API stand-in", () => {
  let db: Awaited<ReturnType<typeof createDatabase>>
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>
  let api: { url: string; server: Server }
  let bot: RunningProcess
  let health: string

  beforeAll(async () => {
    db = await createDatabase()
    proxy = await startTcpProxy({ host: "127.0.0.1", port: Number(new URL(db.url).port || 5432) })
    api = await startGetMeServer()
    const url = new URL(db.url)
    url.port = String(proxy.port)
    const port = await freePort()
    health = `http://127.0.0.1:${port}`
    bot = startProcess(botEntry, {
      DATABASE_URL: url.toString(),
      BOT_TOKEN: "4242:dummy-token-for-the-e2e-test",
      TELEGRAM_API_ROOT: api.url,
      HEALTH_PORT: String(port),
      LOG_FORMAT: "json"
    })
    // Ready means answering 200 with the database probe; a bot that exits first fails here with what it printed.
    // (Before /readyz waited for the whole process, two CI runs went on while the bot was still migrating.)
    // A cold `pnpm bot` compiles the whole graph with tsx first; on two busy cores that alone can take 30 s.
    const deadline = Date.now() + 60_000
    while (bot.child.exitCode === null) {
      const ready = await getJson(`${health}/readyz`).catch(() => undefined)
      if (ready?.status === 200 && (ready.body.checks as Record<string, unknown> | undefined)?.database !== undefined) return
      if (Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`pnpm bot was not ready (exit code ${bot.child.exitCode}); it printed:\n${bot.output().slice(-6000)}`)
  })

  afterAll(async () => {
    await bot?.stop("SIGKILL")
    await proxy?.close()
    api?.server.close()
    await db?.drop()
  })

  it("migrated the empty database and reports ready with its probes", async () => {
    const ready = await getJson(`${health}/readyz`)
    expect(ready.body).toMatchObject({ status: "healthy", ready: true, checks: { database: { status: "up" }, redis: { status: "not_configured" } } })
    expect((await getJson(`${health}/healthz`)).status).toBe(200)
    expect(bot.output()).toContain("signed in to Telegram as @probe_bot")
    expect(bot.output()).not.toContain("dummy-token-for-the-e2e-test")
  })

  it("serves Prometheus text with counters typed as counters and the process metrics", async () => {
    const response = await fetch(`${health}/metrics`)
    const text = await response.text()
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4")
    expect(text).toMatch(/^nezuko_build_info\{version="[^"]+",commit="[^"]+"\} 1$/m)
    expect(text).toContain("# TYPE process_cpu_user_seconds_total counter")
    expect(text).toContain("# TYPE process_resident_memory_bytes gauge")
    expect(text).toMatch(/^nezuko_dependency_up\{dependency="database"\} 1$/m)
  })

  it("turns /readyz to 503 when Postgres goes away, without crashing, and recovers", async () => {
    proxy.cut()
    await eventually(async () => (await getJson(`${health}/readyz`)).status === 503, 15_000, "/readyz 503")
    const down = await getJson(`${health}/readyz`)
    expect(down.body).toMatchObject({ status: "unhealthy", ready: false, checks: { database: { status: "down" } } })
    expect((await getJson(`${health}/healthz`)).status).toBe(200)
    expect(bot.child.exitCode).toBeNull()
    proxy.restore()
    await eventually(async () => (await getJson(`${health}/readyz`)).status === 200, 20_000, "/readyz 200 again")
  })

  it("shuts down on SIGTERM within SHUTDOWN_GRACE_SECONDS with exit code 0", async () => {
    const started = Date.now()
    const code = await bot.stop("SIGTERM")
    expect(code).toBe(0)
    expect(Date.now() - started).toBeLessThan(10_000)
  })
})

describe("start-up refusals", () => {
  it("a bad variable gives one clear message naming it, no stack trace, and exit code 78", async () => {
    const run = startProcess(botEntry, { DATABASE_POOL_SIZE: "abc", HEALTH_PORT: "70000", ENVIRONMENT: "production" })
    expect(await run.exited).toBe(78)
    const out = run.output()
    expect(out).toContain("DATABASE_POOL_SIZE")
    expect(out).toContain("HEALTH_PORT")
    expect(out).toContain("BOT_TOKEN: is required in production")
    expect(out).not.toMatch(/\bat .*\.ts:\d+/)
  })

  it("a token Telegram rejects (401) stops with exit code 2 and says so", async () => {
    const api = await startGetMeServer()
    const db = await createDatabase()
    try {
      const run = startProcess(botEntry, {
        DATABASE_URL: db.url, BOT_TOKEN: "401:rejected-token-rejected-token", TELEGRAM_API_ROOT: api.url,
        HEALTH_PORT: String(await freePort())
      })
      expect(await run.exited).toBe(2)
      expect(run.output()).toContain("Telegram rejected BOT_TOKEN (401 Unauthorized)")
      expect(run.output()).not.toContain("rejected-token-rejected-token")
    } finally {
      api.server.close()
      await db.drop()
    }
  })
})
