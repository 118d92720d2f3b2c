import { SqlClient as Sql, type SqlClient } from "@effect/sql"
import type { Role } from "@nezuko/domain"
import { DEMO, type RunningSandbox, startSandbox } from "@nezuko/telegram-sandbox"
import { makeLogger } from "@nezuko/core"
import { Effect, type Layer, Logger } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { registerSandbox } from "../app/services/sandbox.server.js"
import { Client, type Panel, startPanel } from "./harness.js"

/** Analytics (PANEL-9), live logs (PANEL-12), settings (PANEL-14) and the sandbox page (PANEL-16). */
export const insightsSuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  describe(name, () => {
    let panel: Panel
    let sandbox: RunningSandbox
    let n = 0
    const signIn = async (role: Role) => {
      const email = `insights-${role}-${++n}@example.com`
      await panel.createAdmin(email, role)
      const client = new Client(panel, `10.70.0.${n}`)
      expect((await client.login(email)).status).toBe(303)
      return client
    }
    // The harness runs without the process logger; these lines go through the OPS-6 logger, which feeds the ring.
    const log = <A, E>(effect: Effect.Effect<A, E>) =>
      panel.run(effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, makeLogger({ service: "panel", instance: "test" }, "json", () => {})))))
    const exec = (f: (sql: SqlClient.SqlClient) => Effect.Effect<unknown, unknown>) => panel.run(Effect.flatMap(Sql.SqlClient, f).pipe(Effect.orDie))

    beforeAll(async () => {
      sandbox = await startSandbox({ host: "127.0.0.1", demo: true })
      panel = await startPanel(database, { TELEGRAM_API_ROOT: sandbox.apiRoot, LOG_LEVEL: "info" })
      registerSandbox(sandbox.driver)
    }, 120_000)
    afterAll(async () => {
      registerSandbox(undefined)
      await panel?.close()
      await sandbox?.close()
    })

    it("PANEL-9: every chart from the log and restrictions; empty periods are empty, not invented; CSV per chart; bad periods fall back", async () => {
      const viewer = await signIn("viewer")
      const empty = (await (await viewer.send("/api/v1/analytics/decisions?period=7d")).json()) as { data: unknown[] }
      expect(empty.data).toEqual([])
      expect(await (await viewer.send("/analytics")).text()).toContain("No data in this period.")
      await exec((sql) => sql`INSERT INTO groups (chat_id, type, title) VALUES (-1004000000001, 'supergroup', 'Chart Group')`)
      await exec((sql) => sql`
        INSERT INTO verification_log (at, group_id, user_id, trigger, decision, cached, latency_ms)
        SELECT now() - (i || ' minutes')::interval, -1004000000001, i, CASE WHEN i % 3 = 0 THEN 'join' ELSE 'message' END,
               CASE WHEN i % 4 = 0 THEN 'restrict' ELSE 'pass' END, i % 2 = 0, 10 + i FROM generate_series(1, 40) i`)
      await exec((sql) => sql`
        INSERT INTO restrictions (group_id, user_id, trigger, state, created_at, resolved_at, deadline_at)
        VALUES (-1004000000001, 1, 'message', 'verified', now() - interval '10 minutes', now() - interval '8 minutes', now()),
               (-1004000000001, 2, 'message', 'kicked', now() - interval '1 hour', now(), now()),
               (-1004000000001, 3, 'message', 'pending', now() - interval '5 minutes', NULL, now() + interval '1 hour')`)
      const chart = async (name: string, query = "period=24h") => ((await (await viewer.send(`/api/v1/analytics/${name}?${query}`)).json()) as { data: Array<Record<string, unknown>> }).data
      const decisions = await chart("decisions")
      expect(decisions.reduce((s, r) => s + Number(r.pass ?? 0) + Number(r.restrict ?? 0), 0)).toBe(40)
      expect(await chart("funnel")).toEqual([
        { stage: "restricted", count: 3 }, { stage: "verified within the timeout", count: 1 }, { stage: "kicked or banned", count: 1 }, { stage: "still pending", count: 1 }
      ])
      expect((await chart("time_to_verify")).find((r) => r.bucket === "1–5 min")?.count).toBe(1)
      expect(await chart("top_groups")).toEqual([{ group_id: -1004000000001, title: "Chart Group", restrictions: 3 }])
      expect((await chart("triggers")).map((r) => r.trigger).sort()).toEqual(["join", "message"])
      expect((await chart("cache_hit_rate")).every((r) => typeof r.hit_rate === "number")).toBe(true)
      expect((await chart("latency")).length).toBeGreaterThan(0)
      expect((await chart("heatmap")).reduce((s, r) => s + Number(r.count), 0)).toBe(40)
      const csv = await viewer.send("/api/v1/analytics/funnel?period=7d&format=csv")
      expect(csv.headers.get("content-type")).toContain("text/csv")
      expect(await csv.text()).toBe("stage,count\nrestricted,3\nverified within the timeout,1\nkicked or banned,1\nstill pending,1\n")
      expect((await viewer.send("/api/v1/analytics/nope")).status).toBe(404)
      expect((await viewer.send("/api/v1/analytics/decisions?period=1y")).status).toBe(422)
      const page = await (await viewer.send("/analytics?period=1y")).text()
      expect(page).toContain("Some filters were invalid")
      expect(page).toContain("Checks by weekday and hour")
      expect((await chart("decisions", "period=custom&from=2000-01-01&to=2000-01-02"))).toEqual([])
    })

    it("PANEL-12: the stream sends the ring's recent entries filtered by level and text, then live ones; Viewers are refused", async () => {
      const admin = await signIn("admin")
      await log(Effect.logWarning("ring test needle-4242").pipe(Effect.annotateLogs({ chat_id: "-100" })))
      await log(Effect.logInfo("ring test quiet-4242"))
      const controller = new AbortController()
      const response = await panel.app.handler(new Request("http://localhost:3000/api/v1/logs/stream?level=warn&q=4242", {
        headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join("; ") }, signal: controller.signal
      }), { ip: admin.ip })
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toContain("text/event-stream")
      const reader = response.body?.getReader()
      const decoder = new TextDecoder()
      let text = ""
      const readUntil = async (needle: string) => {
        for (let i = 0; i < 20 && !text.includes(needle); i++) {
          const chunk = await reader?.read()
          if (chunk?.value) text += decoder.decode(chunk.value)
        }
      }
      await readUntil("needle-4242")
      expect(text).toContain("needle-4242")
      expect(text).not.toContain("quiet-4242")
      await log(Effect.logError("live entry 4242"))
      await readUntil("live entry 4242")
      expect(text).toContain("live entry 4242")
      controller.abort()
      await reader?.cancel().catch(() => undefined)
      expect(await (await admin.send("/logs?level=warn&q=needle")).text()).toContain("needle-4242")
      const viewer = await signIn("viewer")
      expect((await viewer.send("/logs")).status).toBe(403)
      expect((await viewer.send("/api/v1/logs/stream")).status).toBe(403)
    })

    it("PANEL-14: Owners save limits and defaults (validated, audited); Admins see them read-only; the configuration is masked", async () => {
      const owner = await signIn("owner")
      const page = await (await owner.send("/settings")).text()
      expect(page).toContain("TELEGRAM_API_ROOT")
      expect(page).toContain("BOT_TOKEN")
      expect(page).not.toMatch(/\d{6,}:[A-Za-z0-9_-]{20,}/)
      const limits = { _csrf: owner.csrf, section: "limits", global_per_second: "20", group_per_minute: "15", verification_log_days: "60", audit_log_days: "365" }
      expect((await owner.send("/settings", { form: { ...limits, global_per_second: "29" } })).status).toBe(400)
      expect((await owner.send("/settings", { form: limits })).status).toBe(303)
      const stored = await panel.run(Effect.flatMap(Sql.SqlClient, (sql) => sql<{ key: string; value: unknown }>`SELECT key, value FROM app_settings ORDER BY key`).pipe(Effect.orDie))
      expect(stored).toEqual(expect.arrayContaining([{ key: "limits.global_per_second", value: 20 }, { key: "retention.verification_log_days", value: 60 }]))
      const admin = await signIn("admin")
      const readOnly = await (await admin.send("/settings")).text()
      expect(readOnly).toContain('value="20"')
      expect(readOnly).not.toContain("Save limits")
      expect((await admin.send("/settings", { form: { ...limits, _csrf: admin.csrf } })).status).toBe(403)
      expect((await (await signIn("viewer")).send("/settings")).status).toBe(403)
    })

    it("PANEL-16: act as a demo user — send, join, leave — and see the chat and the Bot API timeline; Viewers are refused", async () => {
      const admin = await signIn("admin")
      const page = await (await admin.send(`/sandbox?as=${DEMO.users.bob.id}`)).text()
      expect(page).toContain('id="group-chat"')
      expect(page).toContain("Bob<!-- -->&#x27;s private chat with")
      const sent = await admin.send("/sandbox", { form: { _csrf: admin.csrf, intent: "send", as: String(DEMO.users.bob.id), text: "hello from the panel" } })
      expect(sent.status).toBe(303)
      expect(sandbox.driver.messages(DEMO.group.id).some((m) => m.message.text === "hello from the panel")).toBe(true)
      expect(await (await admin.send(`/sandbox?as=${DEMO.users.bob.id}`)).text()).toContain("hello from the panel")
      const join = await admin.send("/sandbox", { form: { _csrf: admin.csrf, intent: "join", as: String(DEMO.users.bob.id), chat: String(DEMO.channel.id) } })
      expect(join.status).toBe(303)
      expect(sandbox.driver.member(DEMO.channel.id, DEMO.users.bob.id).status).toBe("member")
      await admin.send("/sandbox", { form: { _csrf: admin.csrf, intent: "leave", as: String(DEMO.users.bob.id), chat: String(DEMO.channel.id) } })
      expect(sandbox.driver.member(DEMO.channel.id, DEMO.users.bob.id).status).toBe("left")
      expect((await admin.send("/sandbox", { form: { _csrf: admin.csrf, intent: "send", as: "1", text: "x" } })).status).toBe(400)
      const viewer = await signIn("viewer")
      expect((await viewer.send("/sandbox")).status).toBe(403)
    })

    // Nezuko's messages are sent here through the sandbox's Bot API as the bot would (no bot runs in this suite).
    const botSends = async (params: Record<string, unknown>) => {
      const response = await fetch(`${sandbox.apiRoot}/bot${sandbox.token}/sendMessage`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) })
      const body = (await response.json()) as { ok: boolean; result: { message_id: number } }
      expect(body.ok).toBe(true)
      return body.result.message_id
    }
    const bob = DEMO.users.bob.id
    const callbackFrom = (userId: number, data: string) =>
      sandbox.driver.pendingUpdates().some((u) => u.callback_query?.from.id === userId && u.callback_query.data === data)

    it("PANEL-16: a prompt's channel buttons join (or ask to join) as the user, its callback button is pressed as the user", async () => {
      sandbox.driver.reset({ demo: true })
      const admin = await signIn("admin")
      const gated = (await (await fetch(`${sandbox.apiRoot}/bot${sandbox.token}/createChatInviteLink`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ chat_id: DEMO.news.id, creates_join_request: true })
      })).json()) as { result: { invite_link: string } }
      const prompt = await botSends({
        chat_id: DEMO.group.id, text: "Bob, join the channels first",
        reply_markup: { inline_keyboard: [[{ text: "Demo Channel", url: "https://t.me/demo_channel" }, { text: "Demo News", url: gated.result.invite_link }], [{ text: "I've joined", callback_data: `nz:v:${bob}` }]] }
      })
      const page = await (await admin.send(`/sandbox?as=${bob}`)).text()
      expect(page).toContain("Join Demo Channel as Bob")
      expect(page).toContain("Ask to join Demo News as Bob")
      expect(page).toContain("I&#x27;ve joined")
      const form = { _csrf: admin.csrf, as: String(bob), group: String(DEMO.group.id) }
      expect((await admin.send("/sandbox", { form: { ...form, intent: "follow", url: "https://t.me/demo_channel" } })).status).toBe(303)
      expect(sandbox.driver.member(DEMO.channel.id, bob).status).toBe("member")
      expect(await (await admin.send(`/sandbox?as=${bob}`)).text()).toContain("Bob is already in Demo Channel.")
      expect((await admin.send("/sandbox", { form: { ...form, intent: "follow", url: gated.result.invite_link } })).status).toBe(303)
      expect(sandbox.driver.chat(DEMO.news.id).joinRequests.map((r) => r.userId)).toEqual([bob])
      expect(sandbox.driver.member(DEMO.news.id, bob).status).toBe("left")
      const pressed = await admin.send("/sandbox", { form: { ...form, intent: "press", chat: String(DEMO.group.id), message: String(prompt), data: `nz:v:${bob}` } })
      expect(pressed.status).toBe(303)
      expect(pressed.headers.get("location")).toBe(`/sandbox?as=${bob}&group=${DEMO.group.id}`)
      expect(callbackFrom(bob, `nz:v:${bob}`)).toBe(true)
      const outside = await admin.send("/sandbox", { form: { ...form, intent: "follow", url: "https://example.org/x" } })
      expect(outside.status).toBe(400)
      expect(await outside.text()).toContain("That link leads outside the sandbox.")
    })

    it("PANEL-16: the user's private chat with the bot — /start, deep links, DMs with buttons, writing privately; a join request for the group", async () => {
      sandbox.driver.reset({ demo: true })
      const admin = await signIn("admin")
      const form = { _csrf: admin.csrf, as: String(bob) }
      expect(await (await admin.send(`/sandbox?as=${bob}`)).text()).toContain("Bob has not opened the bot yet")
      expect((await admin.send("/sandbox", { form: { ...form, intent: "start" } })).status).toBe(303)
      expect(sandbox.driver.messages(bob).map((m) => m.message.text)).toEqual(["/start"])
      const dm = await botSends({ chat_id: bob, text: "Welcome to the verification", reply_markup: { inline_keyboard: [[{ text: "Verify me", callback_data: "nz:dm:1" }]] } })
      const deepLink = `https://t.me/${sandbox.driver.botUser.username}?start=setup`
      await botSends({ chat_id: DEMO.group.id, text: "Set me up", reply_markup: { inline_keyboard: [[{ text: "Open in private", url: deepLink }]] } })
      const page = await (await admin.send(`/sandbox?as=${bob}`)).text()
      expect(page).toContain("Welcome to the verification")
      expect(page).toContain("Open the bot as Bob (/start setup)")
      expect((await admin.send("/sandbox", { form: { ...form, intent: "press", chat: String(bob), message: String(dm), data: "nz:dm:1" } })).status).toBe(303)
      expect(callbackFrom(bob, "nz:dm:1")).toBe(true)
      expect((await admin.send("/sandbox", { form: { ...form, intent: "follow", url: deepLink } })).status).toBe(303)
      expect((await admin.send("/sandbox", { form: { ...form, intent: "send", chat: String(bob), text: "hello bot" } })).status).toBe(303)
      expect(sandbox.driver.messages(bob).filter((m) => !m.byBot).map((m) => m.message.text)).toEqual(["/start", "/start setup", "hello bot"])
      expect((await admin.send("/sandbox", { form: { ...form, intent: "start", payload: "no spaces allowed" } })).status).toBe(400)

      expect((await admin.send("/sandbox", { form: { ...form, intent: "leave", chat: String(DEMO.group.id) } })).status).toBe(303)
      expect(await (await admin.send(`/sandbox?as=${bob}`)).text()).toContain("Request to join")
      expect((await admin.send("/sandbox", { form: { ...form, intent: "request", chat: String(DEMO.group.id) } })).status).toBe(303)
      expect(sandbox.driver.chat(DEMO.group.id).joinRequests.map((r) => r.userId)).toEqual([bob])
      expect(await (await admin.send(`/sandbox?as=${bob}`)).text()).toContain("join request pending")
    })

    it("PANEL-16: Viewers can't follow links, press buttons or write privately as a demo user", async () => {
      sandbox.driver.reset({ demo: true })
      const viewer = await signIn("viewer")
      const form = { _csrf: viewer.csrf, as: String(bob) }
      for (const intent of [{ intent: "follow", url: "https://t.me/demo_channel" }, { intent: "start" }, { intent: "send", chat: String(bob), text: "hi" }, { intent: "request", chat: String(DEMO.group.id) }]) {
        expect((await viewer.send("/sandbox", { form: { ...form, ...intent } })).status).toBe(403)
      }
      expect(sandbox.driver.member(DEMO.channel.id, bob).status).toBe("left")
      expect(sandbox.driver.chats().some((c) => c.id === bob)).toBe(false)
    })
  })
