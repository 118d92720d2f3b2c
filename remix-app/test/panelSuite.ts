import type { SqlClient } from "@effect/sql"
import { seedDemoProtection } from "@nezuko/bot"
import { can, type Permission } from "@nezuko/core"
import { SettingsRepo } from "@nezuko/db"
import { ChatId, type Role } from "@nezuko/domain"
import { SqlClient as Sql } from "@effect/sql"
import { Effect, type Layer, Option } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Client, origin, type Panel, startPanel } from "./harness.js"

const group = { id: -1_001_555_000_001, title: "Suite Group" }
const roles: ReadonlyArray<Role> = ["owner", "admin", "viewer"]
const settingsForm = (client: Client, extra: Record<string, string> = {}) => ({
  _csrf: client.csrf, verifyOnJoin: "on", enforcementMode: "mute", deleteUnverifiedMessages: "on", muteHours: "24",
  timeoutAction: "mute", timeoutMinutes: "10", escalateAfter: "3", banDays: "0", promptTtlSeconds: "300",
  adminReplyTtlSeconds: "60", channelIdentityPolicy: "block", trustAdminAdded: "on", onLeave: "restrict",
  onCheckError: "allow", joinRequestTimeoutMinutes: "10", batchMode: "warm", language: "en", adminOverrideHours: "24", ...extra
})

const problemOf = async (response: Response) => {
  expect(response.headers.get("content-type")).toContain("application/problem+json")
  return (await response.json()) as { code: string; status: number; request_id: string; title: string; detail: string; type: string; instance: string; errors?: Array<{ field: string }> }
}

/** Every route of this release × method × role, with the permission its guard checks (PANEL-18). */
const matrix: ReadonlyArray<{ readonly path: string; readonly method: "GET" | "POST"; readonly permission: Permission; readonly ok?: number }> = [
  { path: "/dashboard", method: "GET", permission: "read:panel:any" },
  { path: "/groups", method: "GET", permission: "read:panel:any" },
  { path: `/groups/${group.id}`, method: "GET", permission: "read:panel:any" },
  { path: `/groups/${group.id}`, method: "POST", permission: "update:group:any" },
  { path: "/channels", method: "GET", permission: "read:panel:any" },
  { path: "/analytics", method: "GET", permission: "read:panel:any" },
  { path: "/status", method: "GET", permission: "read:panel:any" },
  { path: "/logs", method: "GET", permission: "read:logs:any" },
  { path: "/audit", method: "GET", permission: "read:audit:own" },
  { path: "/admins", method: "GET", permission: "manage:admins:any" },
  { path: "/settings", method: "GET", permission: "read:settings:any" },
  // No sandbox runs in this suite: the page exists only with one (pagesSuite covers it), so allowed roles get 404.
  { path: "/sandbox", method: "GET", permission: "use:sandbox:any", ok: 404 },
  { path: "/settings", method: "POST", permission: "update:settings:any", ok: 400 },
  { path: "/api/v1/analytics/decisions", method: "GET", permission: "export:group:any" },
  { path: "/account", method: "GET", permission: "update:account:own" },
  { path: "/account/password", method: "GET", permission: "update:account:own" },
  { path: "/api/v1/me", method: "GET", permission: "update:account:own" },
  { path: "/api/v1/groups", method: "GET", permission: "read:panel:any" },
  { path: `/api/v1/groups/${group.id}`, method: "GET", permission: "read:panel:any" },
  { path: `/api/v1/groups/${group.id}`, method: "POST", permission: "update:group:any", ok: 405 },
  { path: `/api/v1/groups/${group.id}/settings`, method: "GET", permission: "read:panel:any" },
  { path: `/api/v1/groups/${group.id}/settings`, method: "POST", permission: "update:group:any", ok: 405 },
  { path: `/api/v1/groups/${group.id}/channels`, method: "POST", permission: "update:group:any", ok: 422 },
  { path: `/api/v1/groups/${group.id}/channels/-1001555000002`, method: "POST", permission: "update:group:any", ok: 405 },
  { path: `/api/v1/groups/${group.id}/release`, method: "POST", permission: "manage:members:any", ok: 422 },
  { path: `/api/v1/groups/${group.id}/whitelist`, method: "GET", permission: "read:panel:any" },
  { path: `/api/v1/groups/${group.id}/whitelist`, method: "POST", permission: "manage:members:any", ok: 422 },
  { path: "/groups", method: "POST", permission: "update:group:any", ok: 303 },
  { path: "/channels/-1001555000002", method: "GET", permission: "read:panel:any" },
  { path: "/channels/-1001555000002", method: "POST", permission: "update:channel:any", ok: 303 },
  { path: "/admins", method: "POST", permission: "manage:admins:any", ok: 400 },
  { path: "/status", method: "POST", permission: "update:operations:any", ok: 422 },
  { path: "/api/v1/stats/dashboard", method: "GET", permission: "read:panel:any" },
  { path: "/api/v1/channels", method: "GET", permission: "read:panel:any" },
  { path: "/api/v1/status", method: "GET", permission: "read:panel:any" },
  { path: "/api/v1/audit", method: "GET", permission: "read:audit:own" },
  { path: "/api/v1/alerts/999999/ack", method: "POST", permission: "update:operations:any", ok: 404 },
  { path: "/api/v1/jobs/999999/retry", method: "POST", permission: "update:operations:any", ok: 404 },
  // Issue 9: channel writes and the Maintenance tab. Posts without a channel or a document are refused by
  // validation; scan and re-check target an unknown group, so they stay 404 for every role allowed to ask.
  { path: `/groups/${group.id}?tab=maintenance`, method: "GET", permission: "read:panel:any" },
  { path: "/channels", method: "POST", permission: "update:channel:any" },
  { path: "/api/v1/channels", method: "POST", permission: "update:channel:any", ok: 422 },
  { path: "/api/v1/channels/-1001555000002", method: "GET", permission: "read:panel:any" },
  { path: "/api/v1/channels/-1001555000002", method: "POST", permission: "update:channel:any", ok: 405 },
  { path: "/api/v1/groups/-1001555000999/scan", method: "POST", permission: "manage:members:any", ok: 404 },
  { path: "/api/v1/groups/-1001555000999/health-check", method: "POST", permission: "manage:members:any", ok: 404 },
  { path: `/api/v1/groups/${group.id}/export`, method: "GET", permission: "export:group:any" },
  { path: `/api/v1/groups/${group.id}/import`, method: "POST", permission: "manage:members:any", ok: 422 }
]

export const panelSuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  describe(name, () => {
    let panel: Panel
    const users: Partial<Record<Role, Client>> = {}
    const signedIn = (role: Role) => {
      const client = users[role]
      if (client === undefined) throw new Error(`no ${role} signed in`)
      return client
    }
    const auditRows = (action: string) =>
      panel.run(Effect.flatMap(Sql.SqlClient, (sql) => sql<{ actorAdminId: string | null; outcome: string; oldValue: unknown; newValue: unknown; requestId: string | null; ip: string | null }>`
        SELECT actor_admin_id, outcome, old_value, new_value, request_id, host(ip) AS ip FROM audit_log WHERE action = ${action} ORDER BY id`))
    const muteHours = () => panel.run(Effect.map(Effect.flatMap(SettingsRepo, (r) => r.find(ChatId.make(group.id))), Option.map((s) => s.muteHours)))

    beforeAll(async () => {
      panel = await startPanel(database)
    }, 120_000)
    afterAll(async () => {
      await panel?.close()
    })

    it("PANEL-3: with no admin at all the login page says how to create the first Owner", async () => {
      const page = await new Client(panel).send("/login")
      expect(page.status).toBe(200)
      expect(await page.text()).toContain("nezuko admin create --email you@example.com --role owner")
    })

    it("signs in each role; the cookies follow SEC-6 for a localhost panel", async () => {
      for (const role of roles) await panel.createAdmin(`${role}@example.com`, role)
      await panel.run(seedDemoProtection({ group, channels: [{ id: -1_001_555_000_002, title: "Suite Channel", username: "suite_channel" }], protectedBy: 42 }))
      for (const role of roles) {
        const client = new Client(panel, `10.9.0.${roles.indexOf(role) + 1}`)
        const response = await client.login(`${role}@example.com`)
        expect(response.status).toBe(303)
        expect(response.headers.get("location")).toBe("/dashboard")
        const cookies = response.headers.getSetCookie()
        expect(cookies.find((c) => c.startsWith("nz_at="))).toMatch(/HttpOnly; SameSite=Lax$/)
        expect(cookies.find((c) => c.startsWith("nz_rt="))).toContain("Max-Age=604800")
        expect(client.csrf.length).toBeGreaterThan(20)
        users[role] = client
      }
      const dashboard = await signedIn("viewer").send("/dashboard")
      expect(dashboard.status).toBe(200)
      const html = await dashboard.text()
      expect(html).toContain("Protected groups")
      expect(html).not.toContain('href="/admins"')
      expect(await (await signedIn("owner").send("/dashboard")).text()).toContain('href="/admins"')
    })

    it("a wrong password and an unknown email get the same generic answer", async () => {
      const client = new Client(panel, "10.9.1.1")
      const wrong = await client.login("viewer@example.com", "definitely not the password")
      const unknown = await client.login("ghost@example.com", "definitely not the password")
      expect([wrong.status, unknown.status]).toEqual([401, 401])
      const [a, b] = [await wrong.text(), await unknown.text()]
      expect(a).toContain("Wrong email or password.")
      expect(b).toContain("Wrong email or password.")
    })

    it("walks every cell of the permission matrix (role × route × method), deny by default", async () => {
      for (const role of roles) {
        const client = signedIn(role)
        for (const cell of matrix) {
          const response = cell.method === "GET"
            ? await client.send(cell.path)
            : await client.send(cell.path, { form: settingsForm(client, { muteHours: "not a number" }) })
          const allowed = can(role, cell.permission)
          expect({ role, ...cell, status: response.status }).toEqual({ role, ...cell, status: allowed ? (cell.ok ?? (cell.method === "GET" ? 200 : 400)) : 403 })
        }
      }
      // About 150 requests, and Vite compiles each route module on its first hit: more than the default 30 s on a busy machine.
    }, 90_000)

    it("AT-19: a Viewer's settings post is refused and audited as denied; an Admin's is saved with old and new values", async () => {
      const viewer = signedIn("viewer")
      const before = await muteHours()
      const refused = await viewer.send(`/groups/${group.id}`, { form: settingsForm(viewer, { muteHours: "48" }), headers: { "x-request-id": "at19-viewer-0001" } })
      expect(refused.status).toBe(403)
      expect(await refused.text()).toContain("AUTH_003")
      expect(await muteHours()).toEqual(before)
      const denied = (await auditRows("group.settings.update")).filter((r) => r.outcome === "denied")
      expect(denied.at(-1)?.requestId).toBe("at19-viewer-0001")

      const admin = signedIn("admin")
      const page = await (await admin.send(`/groups/${group.id}?tab=settings`)).text()
      const updatedAt = /name="updated_at" value="([^"]+)"/.exec(page)?.[1] ?? ""
      const saved = await admin.send(`/groups/${group.id}`, { form: { ...settingsForm(admin, { muteHours: "48" }), updated_at: updatedAt } })
      expect(saved.status).toBe(303)
      expect(await muteHours()).toEqual(Option.some(48))
      const success = (await auditRows("group.settings.update")).filter((r) => r.outcome === "success")
      expect(success.at(-1)).toMatchObject({ oldValue: { muteHours: 24 }, newValue: { muteHours: 48 }, ip: "10.9.0.2" })
      const stale = await admin.send(`/groups/${group.id}`, { form: { ...settingsForm(admin, { muteHours: "12" }), updated_at: updatedAt } })
      expect(stale.status).toBe(409)
      const invalid = await admin.send(`/groups/${group.id}`, { form: settingsForm(admin, { muteHours: "0" }) })
      expect(invalid.status).toBe(400)
      expect(await invalid.text()).toContain("aria-invalid")
    })

    it("AT-22: settings posts without _csrf, or from another origin, are refused with CSRF_001 and change nothing", async () => {
      const admin = signedIn("admin")
      const before = await muteHours()
      const { _csrf, ...withoutToken } = settingsForm(admin, { muteHours: "99" })
      void _csrf
      const noToken = await admin.send(`/groups/${group.id}`, { form: withoutToken, headers: { accept: "application/json" } })
      expect(noToken.status).toBe(403)
      expect((await problemOf(noToken)).code).toBe("CSRF_001")
      const evil = await admin.send(`/groups/${group.id}`, { form: settingsForm(admin, { muteHours: "99" }), headers: { origin: "https://evil.example", accept: "application/json" } })
      expect(evil.status).toBe(403)
      expect((await problemOf(evil)).code).toBe("CSRF_001")
      const noOrigin = await admin.send(`/groups/${group.id}`, { form: settingsForm(admin, { muteHours: "99" }), headers: { "x-no-origin": "1", accept: "text/html" } })
      expect(noOrigin.status).toBe(403)
      expect(await noOrigin.text()).toContain("CSRF")
      const otherSession = await admin.send(`/groups/${group.id}`, { form: settingsForm(admin, { muteHours: "99", _csrf: signedIn("owner").csrf }) })
      expect(otherSession.status).toBe(403)
      expect(await muteHours()).toEqual(before)
      const loginWithoutCookie = await new Client(panel).send("/login", { form: { email: "admin@example.com", password: "x", _csrf: "forged-token-value-123456" } })
      expect(loginWithoutCookie.status).toBe(403)
    })

    it("problem details carry the request id, which is echoed; a malformed incoming id is replaced", async () => {
      const anonymous = new Client(panel)
      const kept = await anonymous.send("/api/v1/me", { headers: { "x-request-id": "client-chosen.id_42" } })
      expect(kept.status).toBe(401)
      expect(kept.headers.get("x-request-id")).toBe("client-chosen.id_42")
      const body = await problemOf(kept)
      expect(body).toMatchObject({ code: "AUTH_001", status: 401, instance: "/api/v1/me", request_id: "client-chosen.id_42", type: `${origin}/problems/AUTH_001` })
      const replaced = await anonymous.send("/api/v1/nothing-here", { headers: { "x-request-id": "bad id with spaces" } })
      expect(replaced.status).toBe(404)
      const id = replaced.headers.get("x-request-id") ?? ""
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      expect((await problemOf(replaced)).request_id).toBe(id)
      const page = await anonymous.send("/dashboard")
      expect(page.status).toBe(302)
      expect(page.headers.get("location")).toBe("/login?redirectTo=%2Fdashboard")
    })

    it("SEC-10 headers on every response; the CSP nonce is the one on the page's scripts", async () => {
      const response = await signedIn("viewer").send("/dashboard")
      const csp = response.headers.get("content-security-policy") ?? ""
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? "none"
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).toContain("object-src 'none'")
      expect(response.headers.get("x-content-type-options")).toBe("nosniff")
      expect(response.headers.get("referrer-policy")).toBe("same-origin")
      expect(response.headers.get("cache-control")).toBe("no-store")
      expect(response.headers.get("strict-transport-security")).toBeNull()
      const html = await response.text()
      const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1] ?? "")
      expect(scripts.length).toBeGreaterThan(0)
      expect(scripts.every((attrs) => attrs.includes(`nonce="${nonce}"`))).toBe(true)
    })

    it("SEC-9: CORS only for listed origins; a preflight from anywhere else is 403 without CORS headers", async () => {
      const preflight = await new Client(panel).send("/api/v1/me", { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "GET" } })
      expect(preflight.status).toBe(403)
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull()
      const plain = await signedIn("viewer").send("/api/v1/me", { headers: { origin: "https://evil.example" } })
      expect(plain.headers.get("access-control-allow-origin")).toBeNull()
    })

    it("SEC-5 over HTTP: refresh rotates; reuse after 30 s is AUTH_005, clears cookies, revokes the family, raises a critical alert", async () => {
      await panel.createAdmin("rotate@example.com", "admin")
      const client = new Client(panel, "10.9.2.1")
      await client.login("rotate@example.com")
      const rt1 = client.cookies.get("nz_rt") ?? ""
      const refreshed = await client.send("/api/v1/auth/refresh", { method: "POST", headers: { "x-csrf-token": client.csrf } })
      expect(refreshed.status).toBe(200)
      const rt2 = client.cookies.get("nz_rt") ?? ""
      expect(rt2).not.toBe(rt1)
      await panel.run(Effect.flatMap(Sql.SqlClient, (sql) => sql`UPDATE admin_refresh_tokens SET rotated_at = rotated_at - interval '31 seconds' WHERE rotated_at IS NOT NULL`))
      const thief = new Client(panel, "10.9.2.99")
      thief.cookies.set("nz_rt", rt1)
      const reuse = await thief.send("/api/v1/auth/refresh", { method: "POST", headers: { "x-csrf-token": client.csrf } })
      expect(reuse.status).toBe(401)
      expect((await problemOf(reuse)).code).toBe("AUTH_005")
      expect(reuse.headers.getSetCookie().some((c) => c.startsWith("nz_rt=;") && c.includes("Max-Age=0"))).toBe(true)
      const victim = await client.send("/api/v1/auth/refresh", { method: "POST", headers: { "x-csrf-token": client.csrf } })
      expect(victim.status).toBe(401)
      expect((await auditRows("auth.refresh_reuse")).length).toBeGreaterThanOrEqual(1)
      const alerts = await panel.run(Effect.flatMap(Sql.SqlClient, (sql) => sql<{ severity: string }>`SELECT severity FROM alerts WHERE kind = 'auth.refresh_reuse' AND resolved_at IS NULL`))
      expect(alerts.map((a) => a.severity)).toEqual(["critical"])
    })

    it("an expired access token is renewed transparently from the refresh cookie; tampered tokens are refused", async () => {
      const viewer = signedIn("viewer")
      const copy = new Client(panel, viewer.ip)
      copy.cookies.set("nz_rt", viewer.cookies.get("nz_rt") ?? "")
      const page = await copy.send("/dashboard")
      expect(page.status).toBe(200)
      expect(copy.cookies.get("nz_at")?.split(".").length).toBe(3)
      viewer.cookies.set("nz_rt", copy.cookies.get("nz_rt") ?? viewer.cookies.get("nz_rt") ?? "")
      const forged = new Client(panel)
      const [header, payload] = (viewer.cookies.get("nz_at") ?? "..").split(".")
      forged.cookies.set("nz_at", `${header}.${payload}.AAAA`)
      expect((await forged.send("/api/v1/me")).status).toBe(401)
      forged.cookies.set("nz_at", `eyJhbGciOiJub25lIn0.${payload}.`)
      expect((await forged.send("/api/v1/me")).status).toBe(401)
    })

    it("AT-21: five wrong passwords from one IP, then the right one: 429 RATE_002 with Retry-After, the locked-account body", async () => {
      await panel.createAdmin("at21@example.com", "viewer")
      const api = async (ip: string, email: string, secret: string) => {
        const client = new Client(panel, ip)
        client.cookies.set("nz_csrf", "double-submit-value-0123456789")
        return client.send("/api/v1/auth/login", { json: { email, password: secret }, headers: { "x-csrf-token": "double-submit-value-0123456789" } })
      }
      for (let i = 0; i < 5; i++) expect((await api("10.21.0.1", "at21@example.com", `wrong password number ${i}`)).status).toBe(401)
      const sixth = await api("10.21.0.1", "at21@example.com", "correct horse battery staple, but longer")
      expect(sixth.status).toBe(429)
      expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(800)
      const throttled = await problemOf(sixth)
      expect(throttled.code).toBe("RATE_002")
      const attempts = await panel.run(Effect.flatMap(Sql.SqlClient, (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM login_attempts WHERE email = 'at21@example.com'`))
      expect(attempts[0]?.n).toBe(6)
      // Ten failures from ten addresses lock the account; its answer is the same body.
      await panel.createAdmin("locked@example.com", "viewer")
      for (let i = 0; i < 10; i++) await api(`10.22.0.${i}`, "locked@example.com", `wrong password number ${i}`)
      const locked = await problemOf(await api("10.22.1.1", "locked@example.com", "correct horse battery staple, but longer"))
      const strip = (p: { request_id: string }) => ({ ...p, request_id: "" })
      expect(strip(locked)).toEqual(strip(throttled))
    })

    it("RATE_001: more than 100 API requests a minute from one user are refused", async () => {
      await panel.createAdmin("busy@example.com", "viewer")
      const client = new Client(panel, "10.9.3.1")
      await client.login("busy@example.com")
      let last = 200
      for (let i = 0; i < 101 && last === 200; i++) last = (await client.send("/api/v1/me")).status
      expect(last).toBe(429)
      const refused = await client.send("/api/v1/me")
      expect((await problemOf(refused)).code).toBe("RATE_001")
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0)
    })

    it("logout revokes the sign-in: the old cookies no longer open any page", async () => {
      await panel.createAdmin("leaving@example.com", "admin")
      const client = new Client(panel, "10.9.4.1")
      await client.login("leaving@example.com")
      const saved = new Map(client.cookies)
      const out = await client.send("/logout", { form: { _csrf: client.csrf } })
      expect(out.status).toBe(303)
      expect(out.headers.get("location")).toBe("/login")
      expect(client.cookies.has("nz_at")).toBe(false)
      expect((await client.send("/dashboard")).status).toBe(302)
      const replay = new Client(panel)
      for (const [k, v] of saved) replay.cookies.set(k, v)
      expect((await replay.send("/api/v1/me")).status).toBe(401)
      expect((await auditRows("auth.logout")).length).toBeGreaterThanOrEqual(1)
    })
  })
