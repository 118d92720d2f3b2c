import type { LimitOptions } from "./Options.js"

export interface Violation {
  readonly at: number
  readonly method: string
  readonly chatId: number | string | undefined
  /** `global` (per second), `chat` (per group per minute) or `injected` by a fault. */
  readonly scope: "global" | "chat" | "injected"
  readonly retryAfter: number
  readonly injected: boolean
}

/** Methods that put a message on screen; Telegram's flood limits count these. */
export const isMessageProducing = (method: string): boolean =>
  (method.startsWith("send") && method !== "sendChatAction") ||
  method === "editMessageText" ||
  method === "editMessageReplyMarkup" ||
  method === "editMessageCaption" ||
  method === "editMessageMedia" ||
  method === "copyMessage" ||
  method === "forwardMessage"

/** Sliding-window flood control: 30 messages/s overall, 20 per minute to one group (defaults). */
export class Limits {
  private global: Array<number> = []
  private readonly perChat = new Map<number, Array<number>>()
  readonly violations: Array<Violation> = []

  constructor(public config: LimitOptions) {}

  /** Counts the call and returns retry_after seconds if it exceeds a window (the call is then not counted). */
  check(method: string, chatId: number | undefined, now: number): number | undefined {
    if (!this.config.enabled || !isMessageProducing(method)) return undefined
    this.global = this.global.filter((t) => t > now - 1000)
    const chatWindow = chatId !== undefined && chatId < 0 ? (this.perChat.get(chatId) ?? []).filter((t) => t > now - 60_000) : undefined
    if (chatWindow !== undefined && chatId !== undefined) this.perChat.set(chatId, chatWindow)
    const oldestGlobal = this.global[0]
    if (this.global.length >= this.config.globalPerSecond && oldestGlobal !== undefined) {
      return this.violate(method, chatId, "global", Math.max(1, Math.ceil((oldestGlobal + 1000 - now) / 1000)), now)
    }
    const oldestChat = chatWindow?.[0]
    if (chatWindow !== undefined && chatWindow.length >= this.config.perGroupPerMinute && oldestChat !== undefined) {
      return this.violate(method, chatId, "chat", Math.max(1, Math.ceil((oldestChat + 60_000 - now) / 1000)), now)
    }
    this.global.push(now)
    chatWindow?.push(now)
    return undefined
  }

  recordInjected(method: string, chatId: number | string | undefined, retryAfter: number, now: number): void {
    this.violations.push({ at: now, method, chatId, scope: "injected", retryAfter, injected: true })
  }

  private violate(method: string, chatId: number | undefined, scope: "global" | "chat", retryAfter: number, now: number): number {
    this.violations.push({ at: now, method, chatId, scope, retryAfter, injected: false })
    return retryAfter
  }

  reset(): void {
    this.global = []
    this.perChat.clear()
    this.violations.length = 0
  }
}
