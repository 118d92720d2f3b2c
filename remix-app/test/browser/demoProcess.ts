import type { ReadinessReport } from "@nezuko/core"
import { freePort } from "@nezuko/testing"
import { chromium } from "playwright-core"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

export interface DemoProcess {
  readonly child: ChildProcess
  readonly panelUrl: string
  readonly healthUrl: string
  readonly dataDir: string
  readonly output: () => string
  readonly credentials: { readonly email: string; readonly password: string }
  /** Milliseconds from spawn to /readyz answering 200. */
  readonly readyAfterMs: number
  /** The body of the first /readyz that answered 200. */
  readonly firstReady: ReadinessReport | undefined
  stop(): Promise<number | null>
}

/** `pnpm start` with no configuration at all (OPS-13), on free ports and a fresh DATA_DIR. */
export const startDemo = async (): Promise<DemoProcess> => {
  const [panelPort, healthPort, sandboxPort] = [await freePort(), await freePort(), await freePort()]
  const dataDir = mkdtempSync(join(tmpdir(), "nezuko-demo-"))
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? tmpdir(), NODE_ENV: "development" as const }
  const started = Date.now()
  const child = spawn(process.execPath, [join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "remix-app/server.ts"], {
    cwd: repoRoot,
    env: { ...env, DATA_DIR: dataDir, PANEL_PORT: String(panelPort), HEALTH_PORT: String(healthPort), SANDBOX_PORT: String(sandboxPort), LOG_FORMAT: "json" },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const healthUrl = `http://127.0.0.1:${healthPort}`
  const panelUrl = `http://localhost:${panelPort}`
  let readyAfterMs = -1
  let firstReady: ReadinessReport | undefined
  while (Date.now() - started < 60_000 && child.exitCode === null) {
    const ready = await fetch(`${healthUrl}/readyz`).then(async (r) => r.status === 200 ? await r.json() as ReadinessReport : undefined).catch(() => undefined)
    firstReady ??= ready
    if (ready !== undefined && /Password:\s+\S+/.test(output)) {
      readyAfterMs = Date.now() - started
      break
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  if (readyAfterMs < 0) {
    child.kill("SIGKILL")
    throw new Error(`the demo did not become ready:\n${output}`)
  }
  const email = /Demo Owner:\s+(\S+)/.exec(output)?.[1] ?? ""
  const password = /Password:\s+(\S+)/.exec(output)?.[1] ?? ""
  return {
    child, panelUrl, healthUrl, dataDir, readyAfterMs, credentials: { email, password },
    firstReady,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode)
        child.once("exit", (code) => resolve(code))
        child.kill("SIGTERM")
      })
  }
}

/** Debian's Chromium, headless, with nothing reaching out to the network on its own (STACK.md §13). */
export const launchChromium = () =>
  chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"]
  })
