import type { Update } from "@grammyjs/types"
import { Agent as HttpAgent, request as httpRequest } from "node:http"
import { Agent as HttpsAgent, request as httpsRequest } from "node:https"
import type { ResolvedOptions } from "./Options.js"
import type { Updates } from "./Updates.js"

export interface WebhookConfig {
  readonly url: string
  readonly secretToken: string | undefined
  readonly maxConnections: number
  readonly ipAddress: string | undefined
}

export interface DeliveryRecord {
  readonly at: number
  readonly updateId: number
  readonly ok: boolean
  readonly status: number | undefined
  readonly error: string | undefined
  readonly secretToken: string | undefined
}

const describeFailure = (error: unknown): string => {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : ""
  if (code === "ECONNREFUSED") return "Connection refused"
  if (code === "ETIMEDOUT" || code === "ABORT_ERR") return "Read timeout expired"
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "Failed to resolve host: Name or service not known"
  return "Connection reset by peer"
}

interface PostResult {
  readonly status: number
  readonly statusText: string
  readonly body: string
}

const httpAgent = new HttpAgent({ keepAlive: true })
const httpsAgent = new HttpsAgent({ keepAlive: true })

// node:http rather than fetch: fetch refuses "bad ports" and a webhook may listen on any port.
const post = (url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostResult> =>
  new Promise((resolve, reject) => {
    const secure = url.startsWith("https:")
    const send = secure ? httpsRequest : httpRequest
    const req = send(url, { method: "POST", headers: { ...headers, "content-length": String(Buffer.byteLength(body)) }, agent: secure ? httpsAgent : httpAgent, timeout: timeoutMs }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", body: Buffer.concat(chunks).toString("utf8") }))
      res.on("error", reject)
    })
    req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })))
    req.on("error", reject)
    req.end(body)
  })

/**
 * Delivers queued updates to the webhook URL, at most max_connections at a time, keeping an update
 * queued until the endpoint answers 2xx and backing off after each failure, as Telegram does.
 */
export class Webhook {
  config: WebhookConfig | undefined
  lastErrorDate: number | undefined
  lastErrorMessage: string | undefined
  readonly deliveries: Array<DeliveryRecord> = []
  private readonly inFlight = new Set<number>()
  private failures = 0
  private retryTimer: NodeJS.Timeout | undefined
  private generation = 0

  constructor(
    private readonly updates: Updates,
    private readonly opts: ResolvedOptions,
    /** A webhook response may itself be a Bot API call (`{"method": …}`), which Telegram executes. */
    private readonly onReply: (body: Record<string, unknown>) => void
  ) {
    updates.onPush(() => this.pump())
  }

  set(config: WebhookConfig): void {
    this.stop()
    this.config = config
    this.lastErrorDate = undefined
    this.lastErrorMessage = undefined
    this.pump()
  }

  delete(): void {
    this.stop()
    this.config = undefined
    this.lastErrorDate = undefined
    this.lastErrorMessage = undefined
  }

  reset(): void {
    this.delete()
    this.deliveries.length = 0
  }

  private stop(): void {
    this.generation++
    this.failures = 0
    this.inFlight.clear()
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  private pump(): void {
    const config = this.config
    if (config === undefined || this.retryTimer !== undefined) return
    for (const update of this.updates.pending) {
      if (this.inFlight.size >= config.maxConnections) break
      if (!this.inFlight.has(update.update_id)) void this.send(config, update)
    }
  }

  private async send(config: WebhookConfig, update: Update): Promise<void> {
    const generation = this.generation
    this.inFlight.add(update.update_id)
    let status: number | undefined
    let error: string | undefined
    let reply: unknown
    try {
      const headers: Record<string, string> = { "content-type": "application/json" }
      if (config.secretToken !== undefined) headers["X-Telegram-Bot-Api-Secret-Token"] = config.secretToken
      const response = await post(config.url, headers, JSON.stringify(update), this.opts.webhookTimeoutMs)
      status = response.status
      const success = response.status >= 200 && response.status < 300
      if (success && response.body.trim().startsWith("{")) reply = JSON.parse(response.body)
      if (!success) error = `Wrong response from the webhook: ${response.status} ${response.statusText}`
    } catch (cause) {
      error = describeFailure(cause)
    }
    if (generation !== this.generation) return
    this.inFlight.delete(update.update_id)
    this.deliveries.push({ at: this.opts.now(), updateId: update.update_id, ok: error === undefined, status, error, secretToken: config.secretToken })
    if (error === undefined) {
      this.failures = 0
      this.updates.remove(update.update_id)
      if (typeof reply === "object" && reply !== null && "method" in reply) this.onReply({ ...reply })
      this.pump()
      return
    }
    this.lastErrorDate = Math.floor(this.opts.now() / 1000)
    this.lastErrorMessage = error
    this.failures++
    if (this.retryTimer !== undefined) return
    const delay = Math.min(this.opts.webhookRetryBaseMs * 2 ** (this.failures - 1), this.opts.webhookRetryMaxMs)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.pump()
    }, delay)
    this.retryTimer.unref()
  }
}
