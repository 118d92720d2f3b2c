import { SqlClient as Sql, type SqlClient } from "@effect/sql"
import { seedDemoProtection } from "@nezuko/bot"
import type { Role } from "@nezuko/domain"
import { DEMO, type RunningSandbox, startSandbox } from "@nezuko/telegram-sandbox"
import { Effect, type Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Client, type Panel, startPanel } from "./harness.js"

interface Card { readonly label: string; readonly value: string }
const cardsOf = async (response: Response): Promise<Record<string, string>> => {
  const body = (await response.json()) as { data: { cards: ReadonlyArray<Card> } }
  return Object.fromEntries(body.data.cards.map((c) => [c.label, c.value]))
}

/** The pages of "Admin panel II" (PANEL-4 to PANEL-7) on a fresh database with the sandbox's demo world. */
export const pagesSuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  describe(name, () => {
    let panel: Panel
    let sandbox: RunningSandbox
    let n = 0
    const signIn = async (role: Role) => {
      const email = `pages-${role}-${++n}@example.com`
      await panel.createAdmin(email, role)
      const client = new Client(panel, `10.50.0.${n}`)
      expect((await client.login(email)).status).toBe(303)
      return client
    }
    const exec = (f: (sql: SqlClient.SqlClient) => Effect.Effect<unknown, unknown>) => panel.run(Effect.flatMap(Sql.SqlClient, f).pipe(Effect.orDie))
    const group = DEMO.group.id

    beforeAll(async () => {
      sandbox = await startSandbox({ host: "127.0.0.1", demo: true })
      panel = await startPanel(database, { TELEGRAM_API_ROOT: sandbox.apiRoot, PANEL_TIMEZONE: "Europe/Berlin" })
    }, 120_000)
    afterAll(async () => {
      await panel?.close()
      await sandbox?.close()
    })

    it("AT-24: an empty database shows zeros on every card; today's 3 restrict, 5 pass, 2 verify, 4 exempt give 10 / 3 / 2", async () => {
      const viewer = await signIn("viewer")
      const empty = await cardsOf(await viewer.send("/api/v1/stats/dashboard"))
      expect(Object.keys(empty)).toHaveLength(14)
      for (const [label, value] of Object.entries(empty)) {
        if (label === "Limiter") expect(value).toBe("normal")
        else if (label === "Bot") expect(value).toBe("0 live")
        else expect({ label, value: value.replace(/[^0-9.]/g, "") }).toEqual({ label, value: "0" })
      }
      await exec((sql) => sql`
        INSERT INTO verification_log (at, group_id, user_id, trigger, decision, cached)
        SELECT now() - (i || ' seconds')::interval, ${group}, 100 + i, 'message', d, i % 2 = 0
        FROM unnest(ARRAY['restrict','restrict','restrict','pass','pass','pass','pass','pass','verify','verify','exempt','exempt','exempt','exempt']) WITH ORDINALITY AS t(d, i)`)
      const cards = await cardsOf(await viewer.send("/api/v1/stats/dashboard"))
      expect([cards["Checks today"], cards["Restricted today"], cards["Verified today"]]).toEqual(["10", "3", "2"])
      expect(cards["Pass rate (7 d)"]).toBe("62.5 %")
      const page = await (await viewer.send("/dashboard")).text()
      expect(page).toContain("Decisions over the last 14 days")
      expect(page).toMatch(/data-card="Checks today">.*?<span class="stat-value">10<\/span>/s)
    })

    it("the groups page: server-side table from the URL, invalid parameters fall back to the defaults, bulk actions for Admins only", async () => {
      await panel.run(seedDemoProtection({ group: DEMO.group, channels: [DEMO.channel], protectedBy: DEMO.users.carol.id }))
      await exec((sql) => sql`INSERT INTO groups (chat_id, type, title) SELECT -1003000000000 - i, 'supergroup', 'Bulk ' || i FROM generate_series(1, 3) i`)
      const viewer = await signIn("viewer")
      const html = await (await viewer.send("/groups?sort=title&order=asc&q=bulk")).text()
      expect(html.indexOf("Bulk 1")).toBeLessThan(html.indexOf("Bulk 3"))
      expect(html).not.toContain(DEMO.group.title)
      expect(html).not.toContain('name="ids"')
      const invalid = await viewer.send("/groups?per_page=7")
      expect(invalid.status).toBe(200)
      expect(await invalid.text()).toContain("Some filters were invalid and the defaults apply")
      const refused = await viewer.send("/groups", { form: { _csrf: viewer.csrf, intent: "disable", ids: String(group) } })
      expect(refused.status).toBe(403)

      const admin = await signIn("admin")
      expect(await (await admin.send("/groups")).text()).toContain('name="ids"')
      const body = new URLSearchParams([["_csrf", admin.csrf], ["intent", "disable"], ["ids", String(group)], ["ids", "-1003000000001"], ["back", "q=bulk"]])
      const both = await panel.app.handler(new Request(new URL("/groups", "http://localhost:3000"), {
        method: "POST", body, headers: { origin: "http://localhost:3000", "content-type": "application/x-www-form-urlencoded", cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join("; ") }
      }), { ip: admin.ip })
      expect(both.status).toBe(303)
      const notice = (r: Response) => new URLSearchParams((r.headers.get("location") ?? "").split("?")[1]).get("bulk")
      expect(notice(both)).toBe("Disabled 2 groups.")
      const enabled = await panel.run(Effect.flatMap(Sql.SqlClient, (sql) => sql<{ enabled: boolean }>`SELECT enabled FROM groups WHERE chat_id = ${group}`).pipe(Effect.orDie))
      expect(enabled[0]?.enabled).toBe(false)
      const on = await admin.send("/groups", { form: { _csrf: admin.csrf, intent: "enable", ids: "-1003000000002" } })
      expect(notice(on)).toContain("Enabled 0 groups; 1 skipped (no linked channel")
    })

    it("the group page: every tab renders; link, unlink, release and whitelist work as forms (303) and refusals re-render with 400", async () => {
      const admin = await signIn("admin")
      for (const tab of ["overview", "channels", "settings", "members", "decisions", "maintenance"]) {
        const page = await admin.send(`/groups/${group}?tab=${tab}`)
        expect({ tab, status: page.status }).toEqual({ tab, status: 200 })
      }
      expect(await (await admin.send(`/groups/${group}?tab=decisions&decision=restrict`)).text()).toContain("tag-restrict")
      const link = await admin.send(`/groups/${group}?tab=channels`, { form: { _csrf: admin.csrf, intent: "link", channel: `@${DEMO.news.username}` } })
      expect(link.status).toBe(303)
      expect(await (await admin.send(`/groups/${group}?tab=channels`)).text()).toContain(DEMO.news.title)
      const bad = await admin.send(`/groups/${group}?tab=channels`, { form: { _csrf: admin.csrf, intent: "link", channel: `@${DEMO.daveChannel.username}` } })
      expect(bad.status).toBe(400)
      expect(await bad.text()).toContain("not an admin")
      const unlink = await admin.send(`/groups/${group}?tab=channels`, { form: { _csrf: admin.csrf, intent: "unlink", channel_id: String(DEMO.news.id) } })
      expect(unlink.status).toBe(303)

      await exec((sql) => sql`INSERT INTO restrictions (group_id, user_id, trigger, missing_channel_ids) VALUES (${group}, ${DEMO.users.bob.id}, 'message', ${[DEMO.channel.id]})`)
      const members = await (await admin.send(`/groups/${group}?tab=members`)).text()
      expect(members).toContain(String(DEMO.users.bob.id))
      const release = await admin.send(`/groups/${group}?tab=members`, { form: { _csrf: admin.csrf, intent: "release", user_id: String(DEMO.users.bob.id) } })
      expect(release.status).toBe(303)
      expect(new URLSearchParams((release.headers.get("location") ?? "").split("?")[1]).get("notice")).toBe("Released 1 member(s).")
      const wl = await admin.send(`/groups/${group}?tab=members`, { form: { _csrf: admin.csrf, intent: "whitelist_add", user_id: "123", reason: "vip", expires_days: "" } })
      expect(wl.status).toBe(303)
      const badWl = await admin.send(`/groups/${group}?tab=members`, { form: { _csrf: admin.csrf, intent: "whitelist_add", user_id: "x", reason: "", expires_days: "" } })
      expect(badWl.status).toBe(400)

      const viewer = await signIn("viewer")
      const page = await (await viewer.send(`/groups/${group}?tab=members`)).text()
      expect(page).not.toContain('value="release_all"')
      expect((await viewer.send(`/groups/${group}`, { form: { _csrf: viewer.csrf, intent: "release_all" } })).status).toBe(403)
      const denied = await panel.run(Effect.flatMap(Sql.SqlClient, (sql) => sql<{ action: string }>`SELECT action FROM audit_log WHERE outcome = 'denied' ORDER BY id DESC LIMIT 1`).pipe(Effect.orDie))
      expect(denied[0]?.action).toBe("group.release")
    })
  })
