import type { Update, WebhookInfo } from "@grammyjs/types"
import { Bot, webhookCallback } from "grammy"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { type RunningSandbox, startSandbox } from "../src/index.js"
import { api, ok } from "./helpers.js"

interface Received {
  readonly secret: string | undefined
  readonly update: Update
}

const startReceiver = async (
  answer: (n: number) => { status: number; body?: string }
): Promise<{ server: Server; url: string; received: Array<Received> }> => {
  const received: Array<Received> = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => {
      const secret = req.headers["x-telegram-bot-api-secret-token"]
      received.push({ secret: typeof secret === "string" ? secret : undefined, update: JSON.parse(Buffer.concat(chunks).toString()) as Update })
      const { status, body } = answer(received.length)
      res.writeHead(status, { "content-type": "application/json" })
      res.end(body ?? "")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received }
}

describe("webhook mode", () => {
  let sandbox: RunningSandbox
  let server: Server | undefined
  let user: number
  let group: number

  beforeEach(async () => {
    sandbox = await startSandbox({ webhookRetryBaseMs: 20 })
    user = sandbox.driver.createUser({ firstName: "U" }).id
    group = sandbox.driver.createSupergroup({ title: "G", members: [user] }).id
  })
  afterEach(async () => {
    await sandbox.close()
    server?.closeAllConnections()
    server?.close()
  })

  it("posts updates with the secret header, retries failures with back-off, and reports the last error", async () => {
    const receiver = await startReceiver((n) => (n === 1 ? { status: 500 } : { status: 200 }))
    server = receiver.server
    expect(await api(sandbox, "setWebhook", { url: receiver.url, secret_token: "s3cret", max_connections: 1 })).toEqual({ ok: true, result: true, description: "Webhook was set" })
    sandbox.driver.sendMessage(user, group, "hello")
    await sandbox.driver.waitUntil(() => sandbox.driver.webhookDeliveries().some((d) => d.ok))
    expect(receiver.received.map((r) => [r.secret, r.update.message?.text])).toEqual([
      ["s3cret", "hello"],
      ["s3cret", "hello"]
    ])
    const [failed, delivered] = sandbox.driver.webhookDeliveries()
    expect(failed).toMatchObject({ ok: false, status: 500 })
    expect((delivered?.at ?? 0) - (failed?.at ?? 0)).toBeGreaterThanOrEqual(15)
    const info = await ok<WebhookInfo>(sandbox, "getWebhookInfo")
    expect(info).toMatchObject({ url: receiver.url, pending_update_count: 0, max_connections: 1, last_error_message: "Wrong response from the webhook: 500 Internal Server Error" })
    expect(info.last_error_date).toBeTypeOf("number")
  })

  it("getUpdates conflicts while a webhook is set; deleteWebhook can drop the pending updates", async () => {
    const closed = await startReceiver(() => ({ status: 200 }))
    await new Promise((resolve) => closed.server.close(resolve))
    expect(await ok(sandbox, "setWebhook", { url: closed.url })).toBe(true)
    expect(await api(sandbox, "getUpdates")).toEqual({
      ok: false,
      error_code: 409,
      description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
    })
    sandbox.driver.sendMessage(user, group, "queued")
    await sandbox.driver.waitUntil(() => sandbox.driver.webhookDeliveries().length > 0)
    expect(sandbox.driver.webhookDeliveries()[0]?.error).toBe("Connection refused")
    expect((await ok<WebhookInfo>(sandbox, "getWebhookInfo")).pending_update_count).toBe(1)
    expect(await api(sandbox, "deleteWebhook", { drop_pending_updates: true })).toEqual({ ok: true, result: true, description: "Webhook was deleted" })
    expect(await ok(sandbox, "getUpdates")).toEqual([])
    expect(await ok<WebhookInfo>(sandbox, "getWebhookInfo")).toEqual({ url: "", has_custom_certificate: false, pending_update_count: 0 })
  })

  it("executes a Bot API call returned in the webhook response", async () => {
    const receiver = await startReceiver(() => ({ status: 200, body: JSON.stringify({ method: "sendMessage", chat_id: group, text: "from the reply" }) }))
    server = receiver.server
    await ok(sandbox, "setWebhook", { url: receiver.url })
    sandbox.driver.sendMessage(user, group, "hi")
    const call = await sandbox.driver.waitForBotMessage(group)
    expect(call).toMatchObject({ viaWebhookReply: true, ok: true, params: { text: "from the reply" } })
  })

  it("drives an unmodified grammY bot through webhookCallback with a secret token", async () => {
    const bot = new Bot(sandbox.token, { client: { apiRoot: sandbox.apiRoot } })
    bot.command("start", (ctx) => ctx.reply("welcome"))
    const seen: Array<string> = []
    bot.on("chat_member", (ctx) => void seen.push(ctx.chatMember.new_chat_member.status))
    const handler = webhookCallback(bot, "http", { secretToken: "grammy-secret" })
    server = createServer((req, res) => void handler(req, res))
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    await bot.api.setWebhook(url, { secret_token: "grammy-secret", allowed_updates: ["message", "chat_member"] })

    sandbox.driver.sendCommand(user, group, "start")
    expect((await sandbox.driver.waitForBotMessage(group)).params["text"]).toBe("welcome")
    sandbox.driver.leaveChat(user, group)
    await sandbox.driver.waitUntil(() => seen.length === 1)
    expect(seen).toEqual(["left"])
    expect(sandbox.driver.webhookDeliveries().every((d) => d.ok && d.secretToken === "grammy-secret")).toBe(true)

    await bot.api.setWebhook(url, { secret_token: "other-secret" })
    sandbox.driver.joinChat(user, group)
    await sandbox.driver.waitUntil(() => sandbox.driver.webhookDeliveries().some((d) => !d.ok))
    expect(sandbox.driver.webhookDeliveries().at(-1)).toMatchObject({ ok: false, status: 401 })
  })
})
