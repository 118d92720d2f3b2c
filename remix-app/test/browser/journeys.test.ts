import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { DEMO } from "@nezuko/telegram-sandbox"
import type { Browser, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type DemoProcess, launchChromium, startDemo } from "./demoProcess.js"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const shots = join(repoRoot, "screenshots", "panel", "journeys")
const group = DEMO.group.id
const bob = DEMO.users.bob.id

/** Issue 9's journeys in Chromium against `pnpm start` (sandbox, embedded database), with a screenshot of every page. */
describe("panel journeys in a real browser", () => {
  let demo: DemoProcess
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true })
    demo = await startDemo()
    browser = await launchChromium()
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await demo?.stop()
  })

  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true })
  const goto = async (path: string) => {
    try {
      return await page.goto(`${demo.panelUrl}${path}`)
    } catch (error) {
      // Aborted once under a full CI run, right after the sandbox page (its 2 s revalidation, or a dev-server reload).
      if (!String(error).includes("net::ERR_ABORTED")) throw error
      return await page.goto(`${demo.panelUrl}${path}`)
    }
  }
  let failures = 0
  /**
   * Opens a page and waits for `ready` on it. Three full CI runs failed here because Vite re-optimized its
   * dependencies mid-session and reloaded the page ("The page failed to render"); that is fixed in
   * vite.config.ts and checked at the end. Should a page still not show what it must, this says what it showed
   * and what the demo logged, keeps a screenshot, and loads the page once more, as a user would.
   */
  const open = async (path: string, ready: string) => {
    const response = await goto(path)
    try {
      await page.locator(ready).first().waitFor({ timeout: 15_000 })
      return response
    } catch (error) {
      failures += 1
      const body = (await page.locator("body").textContent({ timeout: 2_000 }).catch(() => ""))?.replace(/\s+/g, " ").slice(0, 600)
      await page.screenshot({ path: join(shots, `failure-${failures}.png`), fullPage: true }).catch(() => undefined)
      console.warn(`${ready} did not appear on ${page.url()} (status ${response?.status()}; ${String(error).slice(0, 160)}). ` +
        `The page said: ${body}\nThe demo's last lines:\n${demo.output().slice(-4000)}`)
      const again = await goto(path)
      await page.locator(ready).first().waitFor({ timeout: 15_000 })
      return again
    }
  }
  const checksToday = async () => {
    await open(`/dashboard`, '[data-card="Checks today"] .stat-value')
    return Number(await page.locator('[data-card="Checks today"] .stat-value').textContent())
  }

  it("logs in, opens the group, unlinks and links a channel, changes a setting", async () => {
    await open(`/login`, "#email")
    await page.fill("#email", demo.credentials.email)
    await page.fill("#password", demo.credentials.password)
    await page.click("button[type=submit]")
    await page.waitForURL(/\/dashboard$/)
    await shot("01-dashboard")
    await page.getByRole("link", { name: "Groups" }).first().click()
    await page.getByRole("heading", { name: "Groups" }).waitFor()
    await shot("02-groups")
    await page.getByRole("link", { name: DEMO.group.title }).first().click()
    await page.getByRole("heading", { name: DEMO.group.title }).waitFor()
    await shot("03-group-overview")
    await open(`/groups/${group}?tab=channels`, "#link-channel")
    page.once("dialog", (d) => void d.accept())
    await page.locator(`form:has(input[name="channel_id"][value="${DEMO.news.id}"]) button`).click()
    await page.getByText("Channel unlinked.").waitFor()
    await page.fill("#link-channel", `@${DEMO.news.username}`)
    await page.getByRole("button", { name: "Link channel" }).click()
    await page.getByText(`Linked ${DEMO.news.title}.`).waitFor()
    await shot("04-group-channels")
    await open(`/groups/${group}?tab=settings`, "#f-muteHours")
    await page.fill("#f-muteHours", "48")
    await page.getByRole("button", { name: "Save settings" }).click()
    await page.getByText("Settings saved.").waitFor()
    expect(await page.inputValue("#f-muteHours")).toBe("48")
    await shot("05-group-settings")
  }, 120_000)

  it("Bob posts on the sandbox page and gets muted; the Members tab unmutes him; his verification shows on the dashboard", async () => {
    const before = await checksToday()
    // The page also holds Bob's private chat with its own message box: write in the group's.
    const groupChat = page.locator("#group-chat")
    const sandboxReady = '#group-chat input[name="text"]'
    await open(`/sandbox?as=${bob}`, sandboxReady)
    await groupChat.locator('input[name="text"]').fill("hi from Bob")
    await groupChat.getByRole("button", { name: "Send" }).click()
    await page.locator(".log strong", { hasText: "restrictChatMember" }).first().waitFor({ timeout: 20_000 })
    await shot("06-sandbox-muted")
    await open(`/groups/${group}?tab=members`, `text=${bob}`)
    await page.getByText(String(bob)).first().waitFor()
    await shot("07-group-members")
    await page.getByRole("button", { name: "Release", exact: true }).first().click()
    await page.getByText("Released 1 member(s).").waitFor()
    // Bob posts again, is muted again, then joins both channels: Nezuko verifies him by itself (AT-12).
    await open(`/sandbox?as=${bob}`, sandboxReady)
    const overlay = await page.evaluate(() => document.querySelector("vite-error-overlay")?.shadowRoot?.textContent ?? "")
    expect(overlay).toBe("")
    await groupChat.locator('input[name="text"]').fill("hi again")
    await groupChat.getByRole("button", { name: "Send" }).click()
    await page.waitForTimeout(1500)
    for (const channel of [DEMO.channel.id, DEMO.news.id]) {
      await open(`/sandbox?as=${bob}`, sandboxReady)
      await page.locator(`#memberships form:has(input[name="chat"][value="${channel}"]) button`).click()
      await page.waitForURL(/\/sandbox/)
    }
    await page.waitForTimeout(6_000) // the verification log is flushed every 5 s (DATA-21)
    await shot("08-sandbox-verified")
    const after = await checksToday()
    expect(after).toBeGreaterThan(before)
    await shot("09-dashboard-after")
    await open(`/groups/${group}?tab=decisions`, "#page-title, h1")
    await page.locator(".tag-restrict").first().waitFor()
    await shot("10-group-decisions")
  }, 150_000)

  it("every other page renders", async () => {
    for (const [name, path] of [["11-channels", "/channels"], ["12-channel", `/channels/${DEMO.channel.id}`], ["13-analytics", "/analytics?period=24h"], ["14-logs", "/logs"],
      ["15-status", "/status"], ["16-audit", "/audit"], ["17-admins", "/admins"], ["18-settings", "/settings"], ["19-account", "/account"]] as const) {
      const response = await open(path, "h1")
      expect({ path, status: response?.status() }).toEqual({ path, status: 200 })
      await page.waitForTimeout(path.startsWith("/analytics") ? 1500 : 300)
      await shot(name)
    }
    // Every page has been opened: Vite found no dependency late, so no open page was reloaded under a user.
    expect(demo.output()).not.toMatch(/new dependencies optimized|optimized dependencies changed/)
  }, 90_000)
})
