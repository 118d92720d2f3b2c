import type { Update } from "@grammyjs/types"
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
  const text = error instanceof Error ? `${error.message} ${String((error.cause as { code?: unknown } | undefined)?.code ?? "")}` : String(error)
  if (/ECONNREFUSED/.test(text)) return "Connection refused"
  if (/timeout|aborted/i.test(text)) return "Read timeout expired"
  return "Connection reset by peer"
}

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
      const response = await fetch(config.url, {
        method: "POST",
        headers,
        body: JSON.stringify(update),
        signal: AbortSignal.timeout(this.opts.webhookTimeoutMs)
      })
      status = response.status
      const text = await response.text()
      if (response.ok && text.trim().startsWith("{")) reply = JSON.parse(text)
      if (!response.ok) error = `Wrong response from the webhook: ${response.status} ${response.statusText}`
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
