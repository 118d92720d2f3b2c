import { SqlClient as Sql, type SqlClient } from "@effect/sql"
import { seedDemoProtection } from "@nezuko/bot"
import type { Role } from "@nezuko/domain"
import { DEMO, type RunningSandbox, startSandbox } from "@nezuko/telegram-sandbox"
import { Effect, type Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Client, type Panel, startPanel } from "./harness.js"

type Json = Record<string, any>
const json = async (response: Response): Promise<Json> => (await response.json()) as Json
const noticeOf = (r: Response) => new URLSearchParams((r.headers.get("location") ?? "").split("?")[1]).get("notice")

/**
 * Issue 9 "Admin panel II": PANEL-8's channel writes (add by ref, refresh, invite link, delete) and PANEL-6's
 * Maintenance tab (scan, re-check, export, import with a preview), as forms and as the PANEL-17 JSON API, over
 * the sandbox's demo world so every Telegram check is real.
 */
export const channelsMaintenanceSuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  describe(name, () => {
    let panel: Panel
    let sandbox: RunningSandbox
    let n = 0
    const signIn = async (role: Role) => {
      const email = `maint-${role}-${++n}@example.com`
      await panel.createAdmin(email, role)
      const client = new Client(panel, `10.70.0.${n}`)
      expect((await client.login(email)).status).toBe(303)
      return client
    }
    const sql = <A extends object>(f: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<A>, unknown>) =>
      panel.run(Effect.flatMap(Sql.SqlClient, f).pipe(Effect.orDie))
    const audits = (action: string) =>
      sql((s) => s<{ outcome: string; oldValue: any; newValue: any }>`SELECT outcome, old_value, new_value FROM audit_log WHERE action = ${action} ORDER BY id`)
    const group = DEMO.group.id
    const fresh = { id: -1_001_000_000_099, title: "Fresh Channel", username: "fresh_channel" }
    const api = (client: Client, path: string, method: string, body?: unknown) =>
      client.send(path, { method, ...(body === undefined ? {} : { json: body }), headers: { "x-csrf-token": client.csrf } })

    beforeAll(async () => {
      sandbox = await startSandbox({ host: "127.0.0.1", demo: true })
      sandbox.driver.createChannel({ id: fresh.id, title: fresh.title, username: fresh.username, ownerId: DEMO.users.owner.id, members: [DEMO.users.alice.id], bot: "admin" })
      panel = await startPanel(database, { TELEGRAM_API_ROOT: sandbox.apiRoot })
      await panel.run(seedDemoProtection({ group: DEMO.group, channels: [DEMO.channel], protectedBy: DEMO.users.carol.id }))
    }, 120_000)
    afterAll(async () => {
      await panel?.close()
      await sandbox?.close()
    })

    it("PANEL-8 add by ref: 201 with Location, 409 already known, 422 refused by the checks, 503 when Telegram fails; the form answers 400/409 inline", async () => {
      const viewer = await signIn("viewer")
      const refused = await api(viewer, "/api/v1/channels", "POST", { channel: `@${DEMO.news.username}` })
      expect(refused.status).toBe(403)
      expect((await json(refused)).code).toBe("AUTH_003")
      expect((await viewer.send("/channels", { form: { _csrf: viewer.csrf, channel: `@${DEMO.news.username}` } })).status).toBe(403)
      expect((await audits("channel.create")).map((a) => a.outcome)).toEqual(["denied", "denied"])
      expect(await (await viewer.send("/channels")).text()).not.toContain('name="channel"')

      const admin = await signIn("admin")
      const add = (channel: unknown) => api(admin, "/api/v1/channels", "POST", { channel })
      const created = await add(`@${DEMO.news.username}`)
      expect(created.status).toBe(201)
      expect(created.headers.get("location")).toBe(`/api/v1/channels/${DEMO.news.id}`)
      expect((await json(created)).data).toMatchObject({ chat_id: DEMO.news.id, title: DEMO.news.title, username: DEMO.news.username, bot_status: "administrator", health: "ok", subscriber_count: expect.any(Number) })
      const again = await add(`https://t.me/${DEMO.news.username}`)
      expect(again.status).toBe(409)
      expect((await json(again)).code).toBe("RES_002")
      expect((await add(String(DEMO.channel.id))).status).toBe(409)
      for (const [ref, message] of [["@no_such_channel_here", "can't find"], [`@${DEMO.daveChannel.username}`, "not an admin"], ["https://t.me/+AbCdEf123", "invite links"]] as const) {
        const bad = await add(ref)
        expect({ ref, status: bad.status }).toEqual({ ref, status: 422 })
        const problem = await json(bad)
        expect(problem.code).toBe("VAL_001")
        expect(problem.errors[0]).toMatchObject({ field: "/channel", message: expect.stringContaining(message) })
      }
      expect((await json(await api(admin, "/api/v1/channels", "POST", {}))).errors[0].field).toBe("/channel")

      sandbox.driver.injectFault({ method: "getChat", kind: "error", status: 502, count: 3 })
      const down = await add(`@${fresh.username}`)
      expect(down.status).toBe(503)
      expect((await json(down)).code).toBe("EXT_003")
      sandbox.driver.clearFaults()
      expect(await sql((s) => s`SELECT 1 FROM channels WHERE chat_id = ${fresh.id}`)).toEqual([])

      const form = (channel: string) => admin.send("/channels", { form: { _csrf: admin.csrf, channel } })
      const notAdmin = await form(`@${DEMO.daveChannel.username}`)
      expect(notAdmin.status).toBe(400)
      expect(await notAdmin.text()).toContain("not an admin")
      expect((await form("  ")).status).toBe(400)
      const known = await form(`@${DEMO.news.username}`)
      expect(known.status).toBe(409)
      expect(await known.text()).toContain("already known")
      const added = await form(`t.me/${fresh.username}`)
      expect(added.status).toBe(303)
      expect(added.headers.get("location")).toMatch(new RegExp(`^/channels/${fresh.id}\\?notice=`))
      expect((await audits("channel.create")).filter((a) => a.outcome === "success").map((a) => a.newValue.title)).toEqual([DEMO.news.title, fresh.title])
    })

    it("PANEL-8 refresh, invite link and delete: getChat plus the admin check update title and health; t.me links only; a linked channel is kept (409)", async () => {
      const viewer = await signIn("viewer")
      const detail = await json(await viewer.send(`/api/v1/channels/${DEMO.channel.id}`))
      expect(detail.data).toMatchObject({ chat_id: DEMO.channel.id, groups: [{ chat_id: group, title: DEMO.group.title, enabled: true }] })
      expect((await viewer.send("/api/v1/channels/-42")).status).toBe(404)
      expect((await viewer.send("/api/v1/channels/abc")).status).toBe(404)
      expect((await api(viewer, `/api/v1/channels/${DEMO.news.id}/refresh`, "POST")).status).toBe(403)
      expect((await api(viewer, `/api/v1/channels/${DEMO.news.id}`, "PATCH", { invite_link: null })).status).toBe(403)
      expect((await api(viewer, `/api/v1/channels/${fresh.id}`, "DELETE")).status).toBe(403)
      expect((await viewer.send(`/channels/${DEMO.news.id}`, { form: { _csrf: viewer.csrf, intent: "refresh" } })).status).toBe(403)
      expect((await audits("channel.refresh")).map((a) => a.outcome)).toEqual(["denied", "denied"])

      const admin = await signIn("admin")
      await sql((s) => s`UPDATE channels SET title = 'Stale title', username = NULL WHERE chat_id = ${DEMO.news.id}`)
      sandbox.driver.setBotMember(DEMO.news.id, "member", { silent: true })
      const demoted = await api(admin, `/api/v1/channels/${DEMO.news.id}/refresh`, "POST")
      expect(demoted.status).toBe(200)
      expect((await json(demoted)).data).toMatchObject({ title: DEMO.news.title, username: DEMO.news.username, bot_status: "member", health: "unverifiable", last_synced_at: expect.any(String) })
      expect(await sql((s) => s<{ kind: string }>`SELECT kind FROM alerts WHERE channel_id = ${DEMO.news.id} AND resolved_at IS NULL`)).toEqual([{ kind: "channel_unverifiable" }])
      sandbox.driver.setBotMember(DEMO.news.id, "admin", { silent: true })
      const restored = await admin.send(`/channels/${DEMO.news.id}`, { form: { _csrf: admin.csrf, intent: "refresh" } })
      expect(restored.status).toBe(303)
      expect(noticeOf(restored)).toContain("health ok")
      expect((await audits("channel.refresh")).at(-1)).toMatchObject({ outcome: "success", oldValue: { health: "unverifiable" }, newValue: { health: "ok", botStatus: "administrator" } })

      const patch = (body: unknown) => api(admin, `/api/v1/channels/${fresh.id}`, "PATCH", body)
      const evil = await patch({ invite_link: "http://evil.example/x" })
      expect(evil.status).toBe(422)
      expect((await json(evil)).errors[0]).toMatchObject({ field: "/invite_link", message: "must be an https://t.me/ link" })
      expect((await patch({ invite_link: null, title: "renamed" })).status).toBe(422)
      expect((await json(await patch({ invite_link: "https://t.me/+abcDEF" }))).data.invite_link).toBe("https://t.me/+abcDEF")
      expect((await json(await patch({ invite_link: null }))).data.invite_link).toBeNull()
      expect((await admin.send(`/channels/${fresh.id}`, { form: { _csrf: admin.csrf, intent: "invite_link", invite_link: "t.me/x" } })).status).toBe(400)

      const linked = await api(admin, `/api/v1/channels/${DEMO.channel.id}`, "DELETE")
      expect(linked.status).toBe(409)
      expect((await json(linked)).code).toBe("RES_002")
      const linkedForm = await admin.send(`/channels/${DEMO.channel.id}`, { form: { _csrf: admin.csrf, intent: "delete" } })
      expect(linkedForm.status).toBe(409)
      expect(await linkedForm.text()).toContain("Not deleted: still required by 1 group(s)")
      expect((await api(admin, `/api/v1/channels/${fresh.id}`, "DELETE")).status).toBe(204)
      expect((await api(admin, `/api/v1/channels/${fresh.id}`, "DELETE")).status).toBe(404)
      expect((await audits("channel.delete")).filter((a) => a.outcome === "success")).toEqual([expect.objectContaining({ oldValue: expect.objectContaining({ title: fresh.title }), newValue: null })])
      expect(await sql((s) => s`SELECT 1 FROM channels WHERE chat_id = ${DEMO.channel.id}`)).toHaveLength(1)
    })

    it("PANEL-6 scan and re-check: Admins enqueue the bot's jobs (202, once at a time); an unprotected group is refused; Viewers are refused", async () => {
      const viewer = await signIn("viewer")
      expect((await api(viewer, `/api/v1/groups/${group}/scan`, "POST")).status).toBe(403)
      expect((await api(viewer, `/api/v1/groups/${group}/health-check`, "POST")).status).toBe(403)
      expect((await viewer.send(`/groups/${group}?tab=maintenance`, { form: { _csrf: viewer.csrf, intent: "scan" } })).status).toBe(403)
      expect((await audits("group.scan")).map((a) => a.outcome)).toEqual(["denied", "denied"])
      const readOnly = await viewer.send(`/groups/${group}?tab=maintenance`)
      expect(readOnly.status).toBe(200)
      const page = await readOnly.text()
      expect(page).toContain("Export config as JSON")
      expect(page).not.toContain('value="scan"')

      const admin = await signIn("admin")
      const scan = await api(admin, `/api/v1/groups/${group}/scan`, "POST")
      expect(scan.status).toBe(202)
      const { job_id } = (await json(scan)).data
      expect(await sql((s) => s<{ kind: string; state: string; payload: unknown }>`SELECT kind, state, payload FROM scheduled_jobs WHERE id = ${job_id}`))
        .toEqual([{ kind: "batch_scan", state: "queued", payload: { group_id: group } }])
      const twice = await api(admin, `/api/v1/groups/${group}/scan`, "POST")
      expect(twice.status).toBe(409)
      expect((await json(twice)).code).toBe("RES_002")
      const formAgain = await admin.send(`/groups/${group}?tab=maintenance`, { form: { _csrf: admin.csrf, intent: "scan" } })
      expect(formAgain.status).toBe(303)
      expect(noticeOf(formAgain)).toContain("already queued or running")
      expect(await (await admin.send(`/groups/${group}?tab=maintenance`)).text()).toMatch(/Last scan: (<!-- -->)?queued/)

      await sql((s) => s`INSERT INTO groups (chat_id, type, title, enabled) VALUES (-1009200000001, 'supergroup', 'Unprotected', false)`)
      const off = await api(admin, "/api/v1/groups/-1009200000001/scan", "POST")
      expect(off.status).toBe(422)
      expect((await json(off)).errors[0].field).toBe("/enabled")
      const offForm = await admin.send("/groups/-1009200000001?tab=maintenance", { form: { _csrf: admin.csrf, intent: "scan" } })
      expect(offForm.status).toBe(400)
      expect(await offForm.text()).toContain("protection is off")

      const check = await api(admin, `/api/v1/groups/${group}/health-check`, "POST")
      expect(check.status).toBe(202)
      const checkJob = (await json(check)).data.job_id
      expect(await sql((s) => s<{ kind: string; dedupeKey: string }>`SELECT kind, dedupe_key FROM scheduled_jobs WHERE id = ${checkJob}`))
        .toEqual([{ kind: "health_check", dedupeKey: `health_check:now:${group}` }])
      expect((await api(admin, `/api/v1/groups/${group}/health-check`, "POST")).status).toBe(409)
      expect((await api(admin, "/api/v1/groups/-42/health-check", "POST")).status).toBe(404)
      const checkForm = await admin.send("/groups/-1009200000001?tab=maintenance", { form: { _csrf: admin.csrf, intent: "health_check" } })
      expect(noticeOf(checkForm)).toContain("Health check queued")
      expect((await audits("group.scan")).filter((a) => a.outcome === "success")).toEqual([expect.objectContaining({ newValue: { jobId: job_id } })])
      expect((await audits("group.health_check")).filter((a) => a.outcome === "success")).toHaveLength(2)
    })

    it("PANEL-6 export and import: the document round-trips; a dry run previews the diff; applying goes through the services, audits the diff and refuses stale or invalid input", async () => {
      const viewer = await signIn("viewer")
      const exported = await viewer.send(`/api/v1/groups/${group}/export`)
      expect(exported.status).toBe(200)
      expect(exported.headers.get("content-disposition")).toBe(`attachment; filename="nezuko-group-${group}.json"`)
      const doc = await json(exported)
      expect(doc).toMatchObject({ format: "nezuko.group-config", version: 1, group: { chat_id: group }, settings: { muteHours: 24 }, channels: [{ chat_id: DEMO.channel.id }], whitelist: [] })
      expect((await api(viewer, `/api/v1/groups/${group}/import?dry_run=true`, "POST", doc)).status).toBe(403)

      const admin = await signIn("admin")
      const importing = (body: unknown, query = "") => api(admin, `/api/v1/groups/${group}/import${query}`, "POST", body)
      expect((await json(await importing(doc, "?dry_run=true"))).data).toMatchObject({ applied: false, diff: { changes: 0 } })
      const { exported_at, ...rest } = doc
      void exported_at
      const wanted = {
        ...rest,
        settings: { ...doc.settings, muteHours: 48 },
        channels: [...doc.channels, { chat_id: DEMO.news.id, title: DEMO.news.title }],
        whitelist: [{ user_id: DEMO.users.erin.id, reason: "moderator" }]
      }
      const preview = (await json(await importing(wanted, "?dry_run=1"))).data
      expect(preview.diff).toMatchObject({
        changes: 3, settings: [{ key: "muteHours", from: 24, to: 48 }], channels: { link: [{ chat_id: DEMO.news.id }], unlink: [] },
        whitelist: { add: [{ user_id: DEMO.users.erin.id, reason: "moderator", expires_at: null }], remove: [] }
      })
      expect(await sql((s) => s<{ muteHours: number }>`SELECT mute_hours FROM group_settings WHERE group_id = ${group}`)).toEqual([{ muteHours: 24 }])

      const invalid = await importing({ ...wanted, settings: { ...wanted.settings, muteHours: 0 }, channels: [doc.channels[0], doc.channels[0]] })
      expect(invalid.status).toBe(422)
      expect((await json(invalid)).errors.map((e: Json) => e.field).sort()).toEqual(["/channels/1", "/settings/muteHours"])
      expect((await importing({ ...wanted, version: 2 })).status).toBe(422)
      const refused = await importing({ ...wanted, channels: [...doc.channels, { chat_id: DEMO.daveChannel.id }] })
      expect(refused.status).toBe(422)
      expect((await json(refused)).errors[0]).toMatchObject({ field: "/channels/1", message: expect.stringContaining("not an admin") })
      expect(await sql((s) => s<{ muteHours: number }>`SELECT mute_hours FROM group_settings WHERE group_id = ${group}`)).toEqual([{ muteHours: 24 }])

      await api(admin, `/api/v1/groups/${group}/whitelist`, "POST", { user_id: DEMO.users.dave.id })
      const stale = await importing(wanted, `?base=${preview.base}`)
      expect(stale.status).toBe(409)
      const fresh = (await json(await importing(wanted, "?dry_run=true"))).data
      expect(fresh.diff.whitelist.remove).toEqual([{ user_id: DEMO.users.dave.id }])
      const applied = await importing(wanted, `?base=${fresh.base}`)
      expect(applied.status).toBe(200)
      expect((await json(applied)).data).toMatchObject({ applied: true, diff: { changes: 4 } })
      expect(await sql((s) => s<{ muteHours: number }>`SELECT mute_hours FROM group_settings WHERE group_id = ${group}`)).toEqual([{ muteHours: 48 }])
      expect((await sql((s) => s<{ channelId: number }>`SELECT channel_id FROM group_channels WHERE group_id = ${group} ORDER BY position`)).map((r) => Number(r.channelId)))
        .toEqual([DEMO.channel.id, DEMO.news.id])
      expect((await sql((s) => s<{ userId: number }>`SELECT user_id FROM whitelist WHERE group_id = ${group}`)).map((r) => Number(r.userId))).toEqual([DEMO.users.erin.id])
      expect((await audits("group.config.import")).at(-1)).toMatchObject({ outcome: "success", oldValue: { settings: { muteHours: 24 } }, newValue: { settings: { muteHours: 48 } } })
      expect((await audits("group.settings.update")).at(-1)).toMatchObject({ newValue: { muteHours: 48 } })
      expect((await audits("group.channel.link")).at(-1)?.newValue.channels).toEqual([DEMO.channel.id, DEMO.news.id])
      expect((await json(await importing(await json(await admin.send(`/api/v1/groups/${group}/export`)), "?dry_run=true"))).data.diff.changes).toBe(0)

      const back = { ...wanted, settings: { ...wanted.settings, muteHours: 12 }, channels: doc.channels }
      const formPreview = await admin.send(`/groups/${group}?tab=maintenance`, { form: { _csrf: admin.csrf, intent: "import_preview", config: JSON.stringify(back) } })
      expect(formPreview.status).toBe(200)
      const html = await formPreview.text()
      expect(html).toContain("Import preview")
      expect(html).toContain("Unlink channel")
      const base = /name="base" value="([0-9a-f]{16})"/.exec(html)?.[1] ?? ""
      expect((await admin.send(`/groups/${group}?tab=maintenance`, { form: { _csrf: admin.csrf, intent: "import_preview", config: "{not json" } })).status).toBe(400)
      const formApplied = await admin.send(`/groups/${group}?tab=maintenance`, { form: { _csrf: admin.csrf, intent: "import_apply", config: JSON.stringify(back), base } })
      expect(formApplied.status).toBe(303)
      expect(noticeOf(formApplied)).toBe("Imported: 2 change(s) applied.")
      expect((await sql((s) => s<{ channelId: number }>`SELECT channel_id FROM group_channels WHERE group_id = ${group}`)).map((r) => Number(r.channelId))).toEqual([DEMO.channel.id])
      expect((await viewer.send(`/groups/${group}?tab=maintenance`, { form: { _csrf: viewer.csrf, intent: "import_apply", config: JSON.stringify(back), base } })).status).toBe(403)
    })
  })
