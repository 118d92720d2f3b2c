import { spawnSync } from "node:child_process"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type DemoProcess, launchChromium, startDemo } from "./demoProcess.js"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const shots = join(repoRoot, "screenshots", "panel")

describe("AT-25 (first part) and the panel in a real browser", () => {
  let demo: DemoProcess
  let browser: Browser

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true })
    demo = await startDemo()
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await demo?.stop()
  })

  it("with no environment, /readyz is 200 within 30 s and the printed credentials sign in", async () => {
    expect(demo.readyAfterMs).toBeLessThan(30_000)
    expect(demo.credentials.email).toBe("demo-owner@example.com")
    const readiness = await (await fetch(`${demo.healthUrl}/readyz`)).json() as { status: string; ready: boolean }
    expect(readiness.ready).toBe(true)
    // Ready only once the bot role is built too: its intake's probe is there from the first 200 on.
    expect(demo.firstReady?.checks).toHaveProperty("polling")
    // The panel port answers the health paths too (OPS-4).
    expect((await fetch(`${demo.panelUrl}/healthz`)).status).toBe(200)
    const page = await fetch(`${demo.panelUrl}/login`)
    const cookie = page.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ")
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? ""
    const started = performance.now()
    const login = await fetch(`${demo.panelUrl}/login`, {
      method: "POST", redirect: "manual",
      headers: { cookie, origin: demo.panelUrl, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: demo.credentials.email, password: demo.credentials.password, _csrf: csrf })
    })
    console.log(`demo ready after ${demo.readyAfterMs} ms; login round trip ${Math.round(performance.now() - started)} ms`)
    expect(login.status).toBe(303)
    expect(login.headers.getSetCookie().some((c) => c.startsWith("nz_at="))).toBe(true)
  })

  it("signs in, sees the layout, signs out, and is refused a protected page afterwards", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    const errors: Array<string> = []
    // React's development-build hydration warnings about attributes Chromium itself adds are not ours.
    page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Warning: Extra attributes from the server")) errors.push(m.text()) })
    page.on("pageerror", (e) => errors.push(e.message))
    await page.goto(`${demo.panelUrl}/dashboard`)
    await page.waitForURL(/\/login\?redirectTo=%2Fdashboard/)
    await page.screenshot({ path: join(shots, "01-login.png") })
    await page.fill("#email", demo.credentials.email)
    await page.fill("#password", demo.credentials.password)
    await page.click("button[type=submit]")
    await page.waitForURL(/\/dashboard$/)
    await page.getByRole("heading", { name: "Dashboard" }).waitFor()
    const nav = await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents()
    expect(nav).toEqual(["Dashboard", "Groups", "Channels", "Analytics", "Logs", "Status", "Audit", "Admins", "Settings", "Account", "Sandbox"])
    expect(await page.locator(".who").textContent()).toContain("Owner")
    await page.screenshot({ path: join(shots, "02-dashboard.png"), fullPage: true })
    await page.getByRole("link", { name: "Account" }).click()
    await page.getByRole("heading", { name: "Your sign-ins" }).waitFor()
    await page.screenshot({ path: join(shots, "03-account.png"), fullPage: true })
    await page.goto(`${demo.panelUrl}/groups/-1001000000001`)
    await page.getByRole("heading", { name: "Demo Group" }).waitFor()
    await page.screenshot({ path: join(shots, "04-group-settings.png"), fullPage: true })

    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: "dark", storageState: await context.storageState() })
    const small = await phone.newPage()
    await small.goto(`${demo.panelUrl}/dashboard`)
    await small.getByRole("heading", { name: "Dashboard" }).waitFor()
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360)
    await small.screenshot({ path: join(shots, "05-dashboard-360-dark.png"), fullPage: true })
    await phone.close()

    await page.getByRole("button", { name: "Sign out" }).click()
    await page.waitForURL(/\/login$/)
    await page.screenshot({ path: join(shots, "06-signed-out.png") })
    const after = await page.goto(`${demo.panelUrl}/account`)
    expect(page.url()).toContain("/login?redirectTo=%2Faccount")
    expect(after?.status()).toBe(200)
    expect(errors).toEqual([])
    await context.close()
  })

  it("stops on SIGTERM, and afterwards `nezuko admin create --role owner` without --force fails on the same DATA_DIR", async () => {
    const code = await demo.stop()
    if (code !== 0) console.log(demo.output().split("\n").slice(-15).join("\n"))
    expect(code).toBe(0)
    const cli = spawnSync(process.execPath, [join(repoRoot, "node_modules/tsx/dist/cli.mjs"), "packages/cli/src/main.ts", "admin", "create", "--email", "second@example.com", "--role", "owner"], {
      cwd: repoRoot, env: { PATH: process.env.PATH ?? "", NODE_ENV: "development", DATA_DIR: demo.dataDir }, input: "", encoding: "utf8", timeout: 60_000
    })
    expect(cli.status).not.toBe(0)
    expect(cli.stderr + cli.stdout).toContain("an active Owner already exists")
  })
})
