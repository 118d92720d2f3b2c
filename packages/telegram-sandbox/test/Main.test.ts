import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { DEMO } from "../src/index.js"

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url))

describe("pnpm sandbox (standalone process)", () => {
  it("starts in under 2 s, prints TELEGRAM_API_ROOT, answers getMe and stops on SIGTERM", async () => {
    const started = performance.now()
    const child = spawn(process.execPath, ["--import", "tsx", "packages/telegram-sandbox/src/main.ts"], {
      cwd: repoRoot,
      env: { ...process.env, SANDBOX_PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    try {
      const apiRoot = await new Promise<string>((resolve, reject) => {
        let out = ""
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString()
          const match = /TELEGRAM_API_ROOT=(\S+)/.exec(out)
          if (match?.[1] !== undefined) resolve(match[1])
        })
        child.once("exit", (code) => reject(new Error(`exited early with ${code}`)))
      })
      const response = await fetch(`${apiRoot}/bot${DEMO.token}/getMe`)
      const elapsed = performance.now() - started
      expect(((await response.json()) as { result: { id: number } }).result.id).toBe(DEMO.botId)
      expect(apiRoot).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(elapsed).toBeLessThan(2000)
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve))
      child.kill("SIGTERM")
      expect(await exited).toBe(0)
    }
  })
})
