// infra/caddy/Caddyfile: `caddy validate` with example values (offline), and the real file served by a local
// caddy in front of stand-ins for the panel and a bot replica, checking the routes and headers that matter.
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import { request } from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { freePort, fromRoot, sleep } from "./support.js"

const caddyfile = fromRoot("infra", "caddy", "Caddyfile")
const caddyBin = process.env["CADDY_BIN"] ?? "caddy"

/** Environment for caddy: a private HOME/XDG so nothing is written outside a temp dir. */
const caddyEnv = (vars: Record<string, string>): NodeJS.ProcessEnv => {
  const home = mkdtempSync(join(tmpdir(), "nezuko-caddy-"))
  const { PANEL_DOMAIN: _p, WEBHOOK_DOMAIN: _w, ACME_EMAIL: _a, ...rest } = process.env
  return { ...rest, HOME: home, XDG_DATA_HOME: join(home, "data"), XDG_CONFIG_HOME: join(home, "config"), ...vars }
}
const EXAMPLE = { PANEL_DOMAIN: "nezuko.example.com", WEBHOOK_DOMAIN: "hooks.example.com", ACME_EMAIL: "ops@example.com" }

const caddyVersion = /v(\d+)\.(\d+)/.exec(spawnSync(caddyBin, ["version"], { encoding: "utf8" }).stdout ?? "")
const caddyAtLeast = (major: number, minor: number): boolean => {
  const [have, haveMinor] = [Number(caddyVersion?.[1] ?? 0), Number(caddyVersion?.[2] ?? 0)]
  return have > major || (have === major && haveMinor >= minor)
}

const validate = (file: string, vars: Record<string, string>) =>
  spawnSync(caddyBin, ["validate", "--config", file, "--adapter", "caddyfile"], {
    env: caddyEnv(vars),
    encoding: "utf8",
    timeout: 60_000
  })

describe("infra/caddy/Caddyfile: caddy validate", () => {
  it("is valid with separate panel and webhook domains", () => {
    const run = validate(caddyfile, EXAMPLE)
    expect(run.error).toBeUndefined() // caddy missing → ENOENT here (CI installs Debian's caddy)
    expect(run.stdout + run.stderr).toContain("Valid configuration")
    expect(run.status).toBe(0)
  })

  it("is valid when the webhook shares the panel's domain", () => {
    const run = validate(caddyfile, { ...EXAMPLE, WEBHOOK_DOMAIN: EXAMPLE.PANEL_DOMAIN })
    expect(run.status, run.stderr).toBe(0)
  })

  it("fails for a broken copy of the file (the check can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "nezuko-caddyfile-"))
    const broken = join(dir, "Caddyfile")
    // an unknown directive inside the site block
    writeFileSync(broken, readFileSync(caddyfile, "utf8").replace("\ttls {$ACME_EMAIL}", "\ttls {$ACME_EMAIL}\n\tfrobnicate on"))
    const run = validate(broken, EXAMPLE)
    expect(run.status).not.toBe(0)
    expect(run.stderr).toContain("frobnicate")
  })

  it("fails when the domains are not set", () => {
    const run = validate(caddyfile, { ACME_EMAIL: "ops@example.com" })
    expect(run.status).not.toBe(0)
  })
})

interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

describe("infra/caddy/Caddyfile: served by caddy", () => {
  const hits: Array<string> = []
  let panel: Server
  let bot: Server
  let caddy: ChildProcess | undefined
  let caddyLog = ""
  let httpsPort = 0

  const listen = async (server: Server): Promise<number> => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    return typeof address === "object" && address ? address.port : 0
  }

  /** An HTTPS request to caddy with the given SNI/Host (Caddy's local CA, so the certificate is not verified). */
  const send = (host: string, path: string, options: { method?: string; body?: Buffer } = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: httpsPort,
          servername: host,
          path,
          method: options.method ?? "GET",
          headers: { host, ...(options.body ? { "content-type": "application/json" } : {}) },
          rejectUnauthorized: false
        },
        (res) => {
          const chunks: Array<Buffer> = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }))
        }
      )
      req.on("error", reject)
      req.end(options.body)
    })

  beforeAll(async () => {
    panel = createServer((req, res) => {
      hits.push(`panel ${req.method} ${req.url}`)
      res.setHeader("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-abc'")
      res.setHeader("X-Frame-Options", "SAMEORIGIN")
      res.setHeader("X-Powered-By", "remix")
      res.end(req.url === "/metrics" ? "nezuko_secret_metric 1" : "panel page")
    })
    bot = createServer((req, res) => {
      let size = 0
      req.on("data", (chunk: Buffer) => (size += chunk.length))
      req.on("end", () => {
        hits.push(`bot ${req.method} ${req.url} ${size}`)
        res.end("ok")
      })
    })
    const panelPort = await listen(panel)
    const botPort = await listen(bot)
    httpsPort = await freePort()
    const httpPort = await freePort()
    caddy = spawn(caddyBin, ["run", "--config", caddyfile, "--adapter", "caddyfile"], {
      env: caddyEnv({
        PANEL_DOMAIN: "panel.localhost",
        WEBHOOK_DOMAIN: "hooks.localhost",
        ACME_EMAIL: "internal", // Caddy's local CA: no network
        CADDY_ADMIN: "off",
        CADDY_HTTP_PORT: String(httpPort),
        CADDY_HTTPS_PORT: String(httpsPort),
        PANEL_UPSTREAM: `127.0.0.1:${panelPort}`,
        BOT_UPSTREAM_HOST: "127.0.0.1",
        BOT_UPSTREAM_PORT: String(botPort)
      }),
      stdio: ["ignore", "pipe", "pipe"]
    })
    caddy.stdout?.on("data", (chunk: Buffer) => (caddyLog += chunk.toString()))
    caddy.stderr?.on("data", (chunk: Buffer) => (caddyLog += chunk.toString()))
    // Ready when both certificates are issued and the panel answers through caddy.
    const deadline = Date.now() + 30_000
    for (;;) {
      try {
        const [a, b] = await Promise.all([send("panel.localhost", "/"), send("hooks.localhost", "/")])
        if (a.status === 200 && b.status === 404) break
      } catch {
        // not listening yet / certificate not issued yet
      }
      if (caddy.exitCode !== null || Date.now() > deadline) {
        throw new Error(`caddy did not come up (exit ${caddy.exitCode}):\n${caddyLog.slice(-4000)}`)
      }
      await sleep(200)
    }
  })

  beforeEach(() => {
    hits.length = 0
  })

  afterAll(async () => {
    if (caddy && caddy.exitCode === null) {
      const exited = new Promise((resolve) => caddy?.once("exit", resolve))
      caddy.kill("SIGTERM")
      await Promise.race([exited, sleep(5_000)])
      if (caddy.exitCode === null) caddy.kill("SIGKILL")
    }
    await Promise.all([panel, bot].map((s) => new Promise((resolve) => (s ? s.close(resolve) : resolve(undefined)))))
  })

  it("proxies the panel and keeps the app's CSP and frame policy, adding HSTS and defaults", async () => {
    const reply = await send("panel.localhost", "/groups")
    expect(reply.status).toBe(200)
    expect(reply.body).toBe("panel page")
    expect(reply.headers["content-security-policy"]).toBe("default-src 'self'; script-src 'self' 'nonce-abc'")
    expect(reply.headers["x-frame-options"]).toBe("SAMEORIGIN")
    expect(reply.headers["strict-transport-security"]).toMatch(/max-age=\d+/)
    expect(reply.headers["x-content-type-options"]).toBe("nosniff")
    expect(reply.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin")
    expect(reply.headers["x-powered-by"]).toBeUndefined()
    expect(reply.headers["server"]).toBeUndefined()
  })

  it("never exposes health or metrics paths", async () => {
    for (const path of ["/metrics", "/readyz", "/healthz", "/metrics/x"]) {
      for (const host of ["panel.localhost", "hooks.localhost"]) {
        const reply = await send(host, path)
        expect(reply.status, `${host}${path}`).toBe(404)
        expect(reply.body, `${host}${path}`).not.toContain("nezuko_secret_metric")
      }
    }
    expect(hits.filter((h) => h.startsWith("panel"))).toEqual([])
  })

  it("routes the webhook path to the bot on both hosts, and nothing else on the webhook host", async () => {
    const update = Buffer.from(JSON.stringify({ update_id: 1 }))
    expect((await send("hooks.localhost", "/telegram/webhook", { method: "POST", body: update })).status).toBe(200)
    expect((await send("panel.localhost", "/telegram/webhook", { method: "POST", body: update })).status).toBe(200)
    expect(hits.filter((h) => h.startsWith("bot"))).toEqual([
      `bot POST /telegram/webhook ${update.length}`,
      `bot POST /telegram/webhook ${update.length}`
    ])
    expect((await send("hooks.localhost", "/groups")).status).toBe(404)
    expect(hits.filter((h) => h.startsWith("panel"))).toEqual([])
  })

  it("rejects webhook bodies over 1 MB", async () => {
    const small = Buffer.alloc(1000 * 1000 - 1000, "a")
    expect((await send("hooks.localhost", "/telegram/webhook", { method: "POST", body: small })).status).toBe(200)
    const big = Buffer.alloc(1024 * 1024 + 1024, "a")
    const reply = await send("hooks.localhost", "/telegram/webhook", { method: "POST", body: big })
    // Caddy ≥ 2.7 (the compose image) answers 413; Debian's 2.6 reports the aborted upload as 502.
    expect(reply.status).toBe(caddyAtLeast(2, 7) ? 413 : 502)
    const botBodies = hits.filter((h) => h.startsWith("bot")).map((h) => Number(h.split(" ").at(-1)))
    expect(botBodies[0]).toBe(small.length)
    expect(botBodies.every((size) => size <= 1000 * 1000)).toBe(true) // the big body never reached the bot
  })
})
