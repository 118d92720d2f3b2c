import { type ChildProcess, spawn } from "node:child_process"
import { createServer, type Server } from "node:http"
import { connect } from "node:net"
import { fileURLToPath } from "node:url"
import type { SandboxDriver } from "@nezuko/telegram-sandbox"
import { freePort, startTcpProxy } from "@nezuko/testing"
import pg from "pg"

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url))
export const pgServerUrl = process.env.PG_TEST_URL ?? "postgres://postgres@127.0.0.1:5432/test"

export { freePort, startTcpProxy }

export interface RunningProcess {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Promise<number | null>
  readonly stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** Starts a TypeScript entry point the way `pnpm <script>` does, with a controlled environment. */
export const startProcess = (entry: string, env: Record<string, string>, args: ReadonlyArray<string> = []): RunningProcess => {
  const child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  return {
    child,
    output: () => output,
    exited,
    stop: async (signal = "SIGTERM") => {
      if (child.exitCode === null) child.kill(signal)
      return exited
    }
  }
}

/** Polls until `check` returns true or the time is up. */
export const eventually = async (check: () => Promise<boolean>, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      if (await check()) return
    } catch (error) {
      last = error
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`)
}

/** The most events in any sliding window of `ms` milliseconds. */
export const maxInWindow = (times: ReadonlyArray<number>, ms: number) => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= ms) start++
    best = Math.max(best, end - start + 1)
  }
  return best
}

/**
 * One sample of a Prometheus text exposition, matched by name and a subset of its labels; undefined when
 * absent. Label order in the exposition does not matter.
 */
export const metricSample = (text: string, name: string, labels: Record<string, string> = {}) => {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const found = new Map([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]))
    if (Object.entries(labels).every(([k, v]) => found.get(k) === v)) return Number(match[3])
  }
  return undefined
}

/**
 * A private redis-server on a free port (no persistence) that a test may stop and start again on the same
 * port, unlike the machine's shared one.
 */
export const startRedisServer = async () => {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async () => {
    const started = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore"
    })
    child = started
    await eventually(() =>
      new Promise<boolean>((resolve) => {
        const socket = connect(port, "127.0.0.1")
        socket.once("connect", () => {
          socket.destroy()
          resolve(true)
        })
        socket.once("error", () => resolve(false))
      }), 10_000, `redis-server on ${port}`)
  }
  const stop = async () => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    const exited = new Promise((resolve) => running.once("exit", resolve))
    running.kill("SIGKILL")
    await exited
  }
  await start()
  return { port, url: `redis://127.0.0.1:${port}`, start, stop }
}

export const getJson = async (url: string) => {
  const response = await fetch(url)
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** A throwaway database on the real server; returns its URL and a drop function. */
export const createDatabase = async () => {
  const name = `nz_e2e_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`
  const admin = new pg.Client({ connectionString: pgServerUrl })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(pgServerUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: pgServerUrl })
      await c.connect()
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await c.end()
    }
  }
}

/**
 * The smallest Bot API stand-in for a polling bot: getMe, an empty getUpdates after a short long-poll, no
 * webhook, `true` for anything else; 401 for tokens that start with "401:".
 */
export const startGetMeServer = async (): Promise<{ url: string; server: Server }> => {
  const server = createServer((req, res) => {
    res.setHeader("content-type", "application/json")
    if (req.url?.startsWith("/bot401:")) {
      res.statusCode = 401
      return res.end(JSON.stringify({ ok: false, error_code: 401, description: "Unauthorized" }))
    }
    if (req.url?.endsWith("/getMe")) {
      return res.end(JSON.stringify({
        ok: true,
        result: { id: 4242, is_bot: true, first_name: "Probe", username: "probe_bot", can_join_groups: true,
          can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false,
          has_main_web_app: false }
      }))
    }
    if (req.url?.endsWith("/getUpdates")) {
      const timer = setTimeout(() => res.end(JSON.stringify({ ok: true, result: [] })), 300)
      res.on("close", () => clearTimeout(timer))
      return
    }
    if (req.url?.endsWith("/getWebhookInfo")) {
      return res.end(JSON.stringify({ ok: true, result: { url: "", has_custom_certificate: false, pending_update_count: 0 } }))
    }
    res.end(JSON.stringify({ ok: true, result: true }))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const address = server.address()
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, server }
}

/**
 * Calls the bot makes on its own schedule whatever the test does: the poll itself and the leader's member_sync
 * (OPS-16), which may fall into any test's window. "Nothing happened" assertions leave them out.
 */
export const periodic: ReadonlySet<string> = new Set(["getUpdates", "getChatMemberCount"])

/**
 * Resolves once a (re)started bot takes updates: a getUpdates answered after `after` (it had updates waiting),
 * or a long poll it holds now. Waiting for an answer alone would take the whole 30 s poll (OPS-9) when nothing
 * is queued.
 */
export const waitForIntake = (driver: SandboxDriver, after: number, timeoutMs: number) =>
  new Promise<void>((resolve, reject) => {
    let settled = false
    const settle = (error?: unknown) => {
      if (settled) return
      settled = true
      if (error === undefined) resolve()
      else reject(error)
    }
    driver.waitForCall((c) => c.method === "getUpdates", { after, timeoutMs }).then(() => settle(), settle)
    driver.waitForPolling({ timeoutMs }).then(() => settle(), () => undefined)
  })
