import { SqlClient as Sql, type SqlClient } from "@effect/sql"
import { seedDemoProtection } from "@nezuko/bot"
import type { Role } from "@nezuko/domain"
import { DEMO, type RunningSandbox, startSandbox } from "@nezuko/telegram-sandbox"
import { Effect, type Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Client, type Panel, startPanel } from "./harness.js"

type Json = Record<string, any>
const json = async (response: Response): Promise<Json> => (await response.json()) as Json

/** PANEL-17's groups API (AT-23) over the demo world of a real sandbox, so linking runs BOT-13's checks. */
export const groupsApiSuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  describe(name, () => {
    let panel: Panel
    let sandbox: RunningSandbox
    let n = 0
    const signIn = async (role: Role) => {
      const email = `api-${role}-${++n}@example.com`
      await panel.createAdmin(email, role)
      const client = new Client(panel, `10.40.0.${n}`)
      expect((await client.login(email)).status).toBe(303)
      return client
    }
    const sql = <A extends object>(f: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
      panel.run(Effect.flatMap(Sql.SqlClient, f).pipe(Effect.orDie))
    const audits = (action: string) =>
      sql((s) => s<{ outcome: string; oldValue: unknown; newValue: unknown; requestId: string | null }>`
        SELECT outcome, old_value, new_value, request_id FROM audit_log WHERE action = ${action} ORDER BY id`)
    const group = DEMO.group.id
    const scans = () => sql((s) => s<{ state: string }>`SELECT state FROM scheduled_jobs WHERE kind = 'batch_scan' AND payload @> ${JSON.stringify({ group_id: DEMO.group.id })}::jsonb`)

    beforeAll(async () => {
      sandbox = await startSandbox({ host: "127.0.0.1", demo: true })
      panel = await startPanel(database, { TELEGRAM_API_ROOT: sandbox.apiRoot })
      await panel.run(seedDemoProtection({ group: DEMO.group, channels: [DEMO.channel], protectedBy: DEMO.users.carol.id }))
      // AT-23's world: 60 groups, 40 of them protected (plus the demo group, which the status filter also counts).
      await sql((s) => s`
        INSERT INTO groups (chat_id, type, title, enabled, health)
        SELECT -1002000000000 - i, 'supergroup', 'AT23 ' || lpad(i::text, 2, '0'), i <= 40, 'ok' FROM generate_series(1, 60) i`)
    }, 120_000)
    afterAll(async () => {
      await panel?.close()
      await sandbox?.close()
    })

    it("AT-23: page 2 of the protected groups by title; per_page=500 is 422 VAL_001 at /per_page; X-Request-ID on both", async () => {
      const viewer = await signIn("viewer")
      const page = await viewer.send("/api/v1/groups?page=2&per_page=25&sort=title&order=asc&status=protected&q=AT23")
      expect(page.status).toBe(200)
      expect(page.headers.get("x-request-id")).toBeTruthy()
      const body = await json(page)
      expect(body.data).toHaveLength(15)
      const titles = body.data.map((g: Json) => g.title)
      expect(titles).toEqual([...titles].sort())
      expect(titles[0]).toBe("AT23 26")
      expect(body.meta).toEqual({ page: 2, per_page: 25, total_items: 40, total_pages: 2 })
      const bad = await viewer.send("/api/v1/groups?per_page=500")
      expect(bad.status).toBe(422)
      expect(bad.headers.get("x-request-id")).toBeTruthy()
      const problem = await json(bad)
      expect(problem.code).toBe("VAL_001")
      expect(problem.errors[0].field).toBe("/per_page")
      const sorts = await json(await viewer.send("/api/v1/groups?sort=nope&order=sideways"))
      expect(sorts.errors.map((e: Json) => e.field).sort()).toEqual(["/order", "/sort"])
      const byId = await json(await viewer.send(`/api/v1/groups?q=${group}`))
      expect(byId.data.map((g: Json) => g.chat_id)).toEqual([group])
      expect(byId.data[0]).toMatchObject({ status: "protected", channels: { count: 1, health: ["ok"] }, pending: 0 })
    })

    it("GET and PATCH a group: Viewer refused and audited; disabling and enabling follow /unprotect and /protect", async () => {
      const viewer = await signIn("viewer")
      const detail = await json(await viewer.send(`/api/v1/groups/${group}`))
      expect(detail.data).toMatchObject({ chat_id: group, title: DEMO.group.title, enabled: true, channels: [{ username: DEMO.channel.username }] })
      expect((await viewer.send("/api/v1/groups/not-a-number")).status).toBe(404)
      expect((await viewer.send("/api/v1/groups/-42")).status).toBe(404)
      const refused = await viewer.send(`/api/v1/groups/${group}`, { method: "PATCH", json: { enabled: false }, headers: { "x-csrf-token": viewer.csrf } })
      expect(refused.status).toBe(403)
      expect((await json(refused)).code).toBe("AUTH_003")
      expect((await audits("group.enable")).at(-1)?.outcome).toBe("denied")

      const admin = await signIn("admin")
      const off = await admin.send(`/api/v1/groups/${group}`, { method: "PATCH", json: { enabled: false }, headers: { "x-csrf-token": admin.csrf, "x-request-id": "patch-group-0001" } })
      expect(off.status).toBe(200)
      expect((await json(off)).data).toMatchObject({ enabled: false, status: "disabled" })
      expect((await audits("group.disable")).at(-1)).toMatchObject({ outcome: "success", oldValue: { enabled: true }, newValue: { enabled: false }, requestId: "patch-group-0001" })
      const on = await admin.send(`/api/v1/groups/${group}`, { method: "PATCH", json: { enabled: true }, headers: { "x-csrf-token": admin.csrf } })
      expect((await json(on)).data.enabled).toBe(true)
      // BOT-48: enabling queues the batch scan, as /protect does (the bot's jobs role runs it).
      expect(await scans()).toEqual([{ state: "queued" }])
      await sql((s) => s`DELETE FROM scheduled_jobs WHERE kind = 'batch_scan'`)
      const noChannels = await admin.send("/api/v1/groups/-1002000000050", { method: "PATCH", json: { enabled: true }, headers: { "x-csrf-token": admin.csrf } })
      expect(noChannels.status).toBe(422)
      expect((await json(noChannels)).errors[0].field).toBe("/enabled")
      const badBody = await admin.send(`/api/v1/groups/${group}`, { method: "PATCH", json: { enabled: "yes" }, headers: { "x-csrf-token": admin.csrf } })
      expect((await json(badBody)).errors[0].field).toBe("/enabled")
    })

    it("GET and PUT settings: field errors are 422 with pointers, a stale save is 409, a good one is audited", async () => {
      const admin = await signIn("admin")
      const current = (await json(await admin.send(`/api/v1/groups/${group}/settings`))).data
      expect(current.muteHours).toBe(24)
      const put = (body: Json) => admin.send(`/api/v1/groups/${group}/settings`, { method: "PUT", json: body, headers: { "x-csrf-token": admin.csrf } })
      const invalid = await put({ ...current, muteHours: 0 })
      expect(invalid.status).toBe(422)
      expect((await json(invalid)).errors.map((e: Json) => e.field)).toEqual(["/muteHours"])
      const saved = await put({ ...current, muteHours: 36 })
      expect(saved.status).toBe(200)
      expect((await json(saved)).data.muteHours).toBe(36)
      expect((await audits("group.settings.update")).at(-1)).toMatchObject({ oldValue: { muteHours: 24 }, newValue: { muteHours: 36 } })
      const stale = await put({ ...current, muteHours: 12 })
      expect(stale.status).toBe(409)
      expect((await json(stale)).code).toBe("RES_002")
    })

    it("links a channel with BOT-13's checks (201 + Location, 409 twice, 422 unknown) and unlinks it (204, then 404)", async () => {
      const admin = await signIn("admin")
      const link = (channel: string) => admin.send(`/api/v1/groups/${group}/channels`, { json: { channel }, headers: { "x-csrf-token": admin.csrf } })
      const created = await link(`@${DEMO.news.username}`)
      expect(created.status).toBe(201)
      expect(created.headers.get("location")).toBe(`/api/v1/channels/${DEMO.news.id}`)
      expect((await json(created)).data).toMatchObject({ chat_id: DEMO.news.id, title: DEMO.news.title })
      expect(await scans()).toEqual([{ state: "queued" }]) // BOT-48: a new channel in a protected group
      expect((await link(`@${DEMO.news.username}`)).status).toBe(409)
      const unknown = await link("@no_such_channel_here")
      expect(unknown.status).toBe(422)
      expect((await json(unknown)).errors[0]).toMatchObject({ field: "/channel" })
      const notAdmin = await link(`@${DEMO.daveChannel.username}`)
      expect(notAdmin.status).toBe(422)
      expect((await json(notAdmin)).errors[0].message).toContain("not an admin")
      expect((await audits("group.channel.link")).at(-1)).toMatchObject({ outcome: "success", newValue: { channels: [DEMO.channel.id, DEMO.news.id] } })
      const unlink = () => admin.send(`/api/v1/groups/${group}/channels/${DEMO.news.id}`, { method: "DELETE", headers: { "x-csrf-token": admin.csrf } })
      expect((await unlink()).status).toBe(204)
      expect((await unlink()).status).toBe(404)
      const viewer = await signIn("viewer")
      expect((await viewer.send(`/api/v1/groups/${group}/channels`, { json: { channel: "@demo_news" }, headers: { "x-csrf-token": viewer.csrf } })).status).toBe(403)
    })

    it("releases a stuck user (202) and manages the whitelist (201, list, 204)", async () => {
      const admin = await signIn("admin")
      await sql((s) => s`INSERT INTO restrictions (group_id, user_id, trigger, missing_channel_ids) VALUES
        (${group}, ${DEMO.users.bob.id}, 'message', ${[DEMO.channel.id]}), (${group}, ${DEMO.users.dave.id}, 'join', ${[DEMO.channel.id]})`)
      const release = (body: Json) => admin.send(`/api/v1/groups/${group}/release`, { json: body, headers: { "x-csrf-token": admin.csrf } })
      const one = await release({ user_id: DEMO.users.bob.id })
      expect(one.status).toBe(202)
      expect((await json(one)).data).toEqual({ released: 1 })
      expect((await release({ user_id: DEMO.users.bob.id })).status).toBe(404)
      expect((await json(await release({ all: true }))).data).toEqual({ released: 1 })
      const states = await sql((s) => s<{ state: string }>`SELECT state FROM restrictions WHERE group_id = ${group} ORDER BY id`)
      expect(states.map((r) => r.state)).toEqual(["released", "released"])
      expect((await release({ everyone: true })).status).toBe(422)

      const add = await admin.send(`/api/v1/groups/${group}/whitelist`, { json: { user_id: DEMO.users.erin.id, reason: "trusted" }, headers: { "x-csrf-token": admin.csrf } })
      expect(add.status).toBe(201)
      const list = await json(await admin.send(`/api/v1/groups/${group}/whitelist`))
      expect(list.data).toEqual([expect.objectContaining({ user_id: DEMO.users.erin.id, reason: "trusted", expires_at: null })])
      const del = await admin.send(`/api/v1/groups/${group}/whitelist?user_id=${DEMO.users.erin.id}`, { method: "DELETE", headers: { "x-csrf-token": admin.csrf } })
      expect(del.status).toBe(204)
      expect((await audits("group.whitelist.remove")).length).toBe(1)
      const viewer = await signIn("viewer")
      expect((await viewer.send(`/api/v1/groups/${group}/release`, { json: { all: true }, headers: { "x-csrf-token": viewer.csrf } })).status).toBe(403)
    })
  })
