/** Telegram's published limits; tests lower them to reach the 429 path quickly. */
export interface LimitOptions {
  /** Message-producing calls allowed in any sliding second across all chats (Telegram: about 30). */
  readonly globalPerSecond: number
  /** Message-producing calls allowed to one group or channel in any sliding minute (Telegram: 20). */
  readonly perGroupPerMinute: number
  readonly enabled: boolean
}

export interface SandboxOptions {
  /** Bot token; its numeric prefix is the bot's user id. Defaults to SANDBOX_BOT_TOKEN. */
  readonly token?: string
  readonly botUsername?: string
  readonly botFirstName?: string
  /** Telegram's privacy mode: in groups where the bot is not an admin it sees only commands, replies and service messages. */
  readonly privacyMode?: boolean
  readonly host?: string
  /** 0 (the default) picks a free port. */
  readonly port?: number
  /** Milliseconds since the epoch; injectable so expiry can be tested without sleeping. */
  readonly now?: () => number
  readonly limits?: Partial<LimitOptions>
  /** Callback queries can be answered for this long (Telegram: 15 s). */
  readonly callbackExpiryMs?: number
  /** First webhook retry delay; doubles per failure up to webhookRetryMaxMs. */
  readonly webhookRetryBaseMs?: number
  readonly webhookRetryMaxMs?: number
  readonly webhookTimeoutMs?: number
  /** Seed of the generator behind probabilistic faults, so runs repeat. */
  readonly seed?: number
  /** Seed the demo world of SPEC OPS-14 at start and on reset. */
  readonly demo?: boolean
  /** Older calls are dropped from the log beyond this many, so long benchmarks stay bounded. */
  readonly maxCallLog?: number
}

export const SANDBOX_BOT_ID = 7_000_000_001
/** Shaped like a real token (bot id, colon, secret) so clients that parse it keep working. */
export const SANDBOX_BOT_TOKEN = `${SANDBOX_BOT_ID}:SANDBOX-demo-token-not-a-secret-00000`

export const defaultLimits: LimitOptions = { globalPerSecond: 30, perGroupPerMinute: 20, enabled: true }

export interface ResolvedOptions {
  readonly token: string
  readonly botId: number
  readonly botUsername: string
  readonly botFirstName: string
  readonly privacyMode: boolean
  readonly host: string
  readonly port: number
  readonly now: () => number
  readonly limits: LimitOptions
  readonly callbackExpiryMs: number
  readonly webhookRetryBaseMs: number
  readonly webhookRetryMaxMs: number
  readonly webhookTimeoutMs: number
  readonly seed: number
  readonly demo: boolean
  readonly maxCallLog: number
}

export const resolveOptions = (options: SandboxOptions = {}): ResolvedOptions => {
  const token = options.token ?? SANDBOX_BOT_TOKEN
  const botId = Number(token.split(":")[0])
  if (!Number.isSafeInteger(botId) || botId <= 0) {
    throw new Error("The sandbox token must start with the bot's numeric id, e.g. 123456:secret")
  }
  return {
    token,
    botId,
    botUsername: options.botUsername ?? "nezuko_sandbox_bot",
    botFirstName: options.botFirstName ?? "Nezuko",
    privacyMode: options.privacyMode ?? true,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    now: options.now ?? Date.now,
    limits: { ...defaultLimits, ...options.limits },
    callbackExpiryMs: options.callbackExpiryMs ?? 15_000,
    webhookRetryBaseMs: options.webhookRetryBaseMs ?? 1_000,
    webhookRetryMaxMs: options.webhookRetryMaxMs ?? 60_000,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 60_000,
    seed: options.seed ?? 1,
    demo: options.demo ?? false,
    maxCallLog: options.maxCallLog ?? 200_000
  }
}
