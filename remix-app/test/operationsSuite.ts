import { SqlClient as Sql, type SqlClient } from "@effect/sql"
import type { Role } from "@nezuko/domain"
import { Effect, type Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Client, type Panel, password, startPanel } from "./harness.js"

/** Audit (PANEL-10), Admins (PANEL-11), Status (PANEL-13) and Channels (PANEL-8), with role refusals. */
export const operationsSuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  describe(name, () => {
    let panel: Panel
    let n = 0
    const signIn = async (role: Role, email = `ops-${role}-${++n}@example.com`) => {
      await panel.createAdmin(email, role)
      const client = new Client(panel, `10.60.0.${++n}`)
      expect((await client.login(email)).status).toBe(303)
      return client
    }
    const rows = <A extends object>(f: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
      panel.run(Effect.flatMap(Sql.SqlClient, f).pipe(Effect.orDie))
    const notice = (r: Response) => new URLSearchParams((r.headers.get("location") ?? "").split("?")[1]).get("notice")

    beforeAll(async () => {
      panel = await startPanel(database)
    }, 120_000)
    afterAll(async () => {
      await panel?.close()
    })

    it("PANEL-10: the Owner sees every entry, an Admin only their own, a Viewer is refused; rows carry old/new JSON; CSV for Owners", async () => {
      const owner = await signIn("owner")
      const admin = await signIn("admin")
      const viewer = await signIn("viewer")
      const [me] = await rows((sql) => sql<{ id: string }>`SELECT id FROM admin_users WHERE email LIKE 'ops-admin-%'`)
      await rows((sql) => sql`INSERT INTO audit_log (actor_type, actor_admin_id, action, resource_type, resource_id, old_value, new_value)
        VALUES ('admin', ${me?.id ?? null}, 'group.settings.update', 'group', '-100777', '{"muteHours":24}', '{"muteHours":48}'),
               ('system', NULL, 'system.retention', NULL, NULL, NULL, NULL)`)
      const all = await (await owner.send("/audit?action=system.")).text()
      expect(all).toContain("system.retention")
      const own = await (await admin.send("/audit")).text()
      expect(own).toContain("group.settings.update")
      expect(own).toContain("&quot;muteHours&quot;: 48")
      expect(own).not.toContain("system.retention")
      expect((await viewer.send("/audit")).status).toBe(403)
      const api = (await (await admin.send("/api/v1/audit?per_page=20")).json()) as { data: Array<{ action: string }>; meta: { total_items: number } }
      expect(api.data.every((r) => r.action !== "system.retention")).toBe(true)
      expect((await admin.send("/api/v1/audit?format=csv")).status).toBe(403)
      const csv = await owner.send("/api/v1/audit?format=csv&action=group.")
      expect(csv.headers.get("content-type")).toContain("text/csv")
      expect(await csv.text()).toContain("group.settings.update")
      expect((await owner.send("/audit?per_page=25")).status).toBe(200)
      expect(await (await owner.send("/audit?per_page=25")).text()).toContain("Some filters were invalid")
    })

    it("PANEL-11: create with a one-time password, change role, deactivate ends sessions, reactivate, reset, unlock; the last Owner is protected (409)", async () => {
      await panel.run(Effect.flatMap(Sql.SqlClient, (sql) => sql`UPDATE admin_users SET is_active = false WHERE role = 'owner'`).pipe(Effect.orDie))
      const owner = await signIn("owner", "the-owner@example.com")
      expect((await (await signIn("admin")).send("/admins")).status).toBe(403)
      const created = await owner.send("/admins", { form: { _csrf: owner.csrf, intent: "create", email: "new-user@example.com", name: "New", role: "viewer", password: "" } })
      expect(created.status).toBe(200)
      const createdHtml = await created.text()
      const oneTime = /One-time password for (?:<!-- -->)?new-user@example.com(?:<!-- -->)?: <code>([^<]+)<\/code>/.exec(createdHtml)?.[1] ?? ""
      expect(oneTime.length).toBeGreaterThan(10)
      const newcomer = new Client(panel, "10.60.9.1")
      expect((await newcomer.login("new-user@example.com", oneTime)).status).toBe(303)
      const [user] = await rows((sql) => sql<{ id: string; mustChangePassword: boolean }>`SELECT id, must_change_password FROM admin_users WHERE email = 'new-user@example.com'`)
      expect(user?.mustChangePassword).toBe(true)
      const id = user?.id ?? ""
      const post = (form: Record<string, string>) => owner.send("/admins", { form: { _csrf: owner.csrf, ...form } })
      expect(notice(await post({ intent: "role", id, role: "admin" }))).toBe("Role changed.")
      expect(notice(await post({ intent: "deactivate", id }))).toContain("deactivated")
      expect((await newcomer.send("/api/v1/me")).status).toBe(401)
      const revoked = await rows((sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM admin_refresh_tokens WHERE user_id = ${id} AND revoked_at IS NULL`)
      expect(revoked[0]?.n).toBe(0)
      expect(notice(await post({ intent: "reactivate", id }))).toBe("Account reactivated.")
      const reset = await post({ intent: "reset", id })
      expect(await reset.text()).toMatch(/One-time password for (<!-- -->)?new-user@example.com/)
      await rows((sql) => sql`UPDATE admin_users SET locked_until = now() + interval '1 hour', failed_logins = 10 WHERE id = ${id}`)
      expect(notice(await post({ intent: "unlock", id }))).toBe("Account unlocked.")
      const [self] = await rows((sql) => sql<{ id: string }>`SELECT id FROM admin_users WHERE email = 'the-owner@example.com'`)
      const demote = await owner.send("/admins", { form: { _csrf: owner.csrf, intent: "role", id: self?.id ?? "", role: "viewer" }, headers: { accept: "application/json" } })
      expect(demote.status).toBe(409)
      expect((await post({ intent: "deactivate", id: self?.id ?? "" })).status).toBe(409)
      expect((await post({ intent: "create", email: "x", name: "", role: "nobody", password: "" })).status).toBe(400)
      const actions = (await rows((sql) => sql<{ action: string }>`SELECT DISTINCT action FROM audit_log WHERE resource_type = 'admin_user' AND outcome = 'success'`)).map((r) => r.action)
      expect(actions).toEqual(expect.arrayContaining(["admin.create", "admin.role", "admin.deactivate", "admin.reactivate", "admin.reset_password", "admin.unlock"]))
      void password
    })

    it("PANEL-13: replicas, jobs and alerts; dead jobs are retried and alerts acknowledged by Admins, not Viewers", async () => {
      await rows((sql) => sql`INSERT INTO bot_instances (instance_id, roles, mode, version, is_leader) VALUES ('replica-a', '{bot,jobs}', 'polling', '1.2.3', true)`)
      const [job] = await rows((sql) => sql<{ id: number }>`INSERT INTO scheduled_jobs (kind, run_at, state, attempts, last_error) VALUES ('auto_delete', now(), 'dead', 5, 'boom') RETURNING id`)
      const [alert] = await rows((sql) => sql<{ id: number }>`INSERT INTO alerts (kind, severity, message) VALUES ('bot.rights', 'warning', 'Missing Ban users in Test') RETURNING id`)
      const viewer = await signIn("viewer")
      const page = await (await viewer.send("/status")).text()
      expect(page).toContain("replica-a")
      expect(page).toContain("Missing Ban users in Test")
      expect(page).not.toContain('value="retry"')
      expect((await viewer.send("/status", { form: { _csrf: viewer.csrf, intent: "retry", id: String(job?.id) } })).status).toBe(403)
      const admin = await signIn("admin")
      const retried = await admin.send("/status", { form: { _csrf: admin.csrf, intent: "retry", id: String(job?.id) } })
      expect(retried.status).toBe(303)
      expect((await rows((sql) => sql<{ state: string }>`SELECT state FROM scheduled_jobs WHERE id = ${job?.id ?? 0}`))[0]?.state).toBe("queued")
      const ack = await admin.send(`/api/v1/alerts/${alert?.id}/ack`, { method: "POST", headers: { "x-csrf-token": admin.csrf } })
      expect(ack.status).toBe(202)
      expect((await admin.send(`/api/v1/alerts/${alert?.id}/ack`, { method: "POST", headers: { "x-csrf-token": admin.csrf } })).status).toBe(404)
      const status = (await (await viewer.send("/api/v1/status")).json()) as { data: { instances: Array<{ id: string; leader: boolean }>; alerts: Array<{ acknowledged: boolean }> } }
      expect(status.data.instances).toEqual([expect.objectContaining({ id: "replica-a", leader: true })])
      expect(status.data.alerts[0]?.acknowledged).toBe(true)
    })

    it("PANEL-8: channels list with search and sort, detail with its groups, the invite-link override validated", async () => {
      await rows((sql) => sql`INSERT INTO channels (chat_id, title, username, subscriber_count) VALUES (-1009000000001, 'Alpha News', 'alpha_news', 10), (-1009000000002, 'Beta Private', NULL, 99)`)
      await rows((sql) => sql`INSERT INTO groups (chat_id, type, title, enabled) VALUES (-1009100000001, 'supergroup', 'Linked Group', true)`)
      await rows((sql) => sql`INSERT INTO group_channels (group_id, channel_id) VALUES (-1009100000001, -1009000000002)`)
      const viewer = await signIn("viewer")
      const list = (await (await viewer.send("/api/v1/channels?sort=subscribers&order=desc&q=a")).json()) as { data: Array<{ title: string; linked_groups: number }> }
      expect(list.data.map((c) => c.title)).toEqual(["Beta Private", "Alpha News"])
      expect(list.data[0]?.linked_groups).toBe(1)
      expect(await (await viewer.send("/channels?q=@alpha")).text()).toContain("Alpha News")
      const detail = await (await viewer.send("/channels/-1009000000002")).text()
      expect(detail).toContain("Linked Group")
      expect(detail).not.toContain('name="invite_link"')
      expect((await viewer.send("/channels/-1009000000002", { form: { _csrf: viewer.csrf, invite_link: "https://t.me/+abc" } })).status).toBe(403)
      const admin = await signIn("admin")
      expect((await admin.send("/channels/-1009000000002", { form: { _csrf: admin.csrf, invite_link: "http://evil.example/x" } })).status).toBe(400)
      expect((await admin.send("/channels/-1009000000002", { form: { _csrf: admin.csrf, invite_link: "https://t.me/+abcDEF" } })).status).toBe(303)
      expect(await (await admin.send("/channels/-1009000000002")).text()).toContain("https://t.me/+abcDEF")
      expect((await admin.send("/channels/-42")).status).toBe(404)
    })
  })
