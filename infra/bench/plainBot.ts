import { Bot, GrammyError } from "grammy"
import type { ChatMember } from "grammy/types"
import { Redis } from "ioredis"

/** One decision of the plain bot, timed the same way as Nezuko's: handler entry → membership decided. */
export interface PlainDecision {
  readonly at: number
  readonly latencyMs: number
  readonly cached: boolean
  readonly member: boolean
}

export interface PlainBotOptions {
  readonly token: string
  readonly apiRoot: string
  readonly redisUrl: string
  readonly keyPrefix: string
  /** group id → the channels a writer must be in. */
  readonly links: ReadonlyMap<number, ReadonlyArray<number>>
  readonly positiveTtlSeconds?: number
  readonly negativeTtlSeconds?: number
}

const isMember = (m: ChatMember) =>
  m.status === "creator" || m.status === "administrator" || m.status === "member" || (m.status === "restricted" && m.is_member)

/**
 * The comparison point for the bot benchmark: the same job done the simplest reasonable way with grammY and
 * ioredis, no Effect, no rate limiter. `bot.start()` long polling (one update at a time); per message: the
 * Redis cache `verify:{channel}:{user}`, on a miss getChatMember for each linked channel in turn, cached with
 * a TTL (same TTLs as Nezuko's defaults); a non-member's message is deleted, the user muted and prompted.
 */
export const startPlainBot = async (options: PlainBotOptions) => {
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  const decisions: Array<PlainDecision> = []
  const bot = new Bot(options.token, { client: { apiRoot: options.apiRoot } })
  const positive = options.positiveTtlSeconds ?? 600
  const negative = options.negativeTtlSeconds ?? 60

  const checkChannel = async (channelId: number, userId: number): Promise<{ member: boolean; cached: boolean }> => {
    const key = `${options.keyPrefix}verify:${channelId}:${userId}`
    const hit = await redis.get(key)
    if (hit !== null) return { member: hit === "1", cached: true }
    let member: boolean
    try {
      member = isMember(await bot.api.getChatMember(channelId, userId))
    } catch (error) {
      if (!(error instanceof GrammyError && error.description.includes("user not found"))) throw error
      member = false
    }
    await redis.set(key, member ? "1" : "0", "EX", member ? positive : negative)
    return { member, cached: false }
  }

  bot.chatType("supergroup").on("message", async (ctx) => {
    const startedAt = performance.now()
    const channels = options.links.get(ctx.chat.id)
    if (channels === undefined || ctx.from.is_bot) return
    const userId = ctx.from.id
    let member = true
    let cached = true
    for (const channelId of channels) {
      const check = await checkChannel(channelId, userId)
      cached &&= check.cached
      if (!check.member) {
        member = false
        break
      }
    }
    decisions.push({ at: Date.now(), latencyMs: performance.now() - startedAt, cached, member })
    if (member) return
    await ctx.deleteMessage()
    await ctx.restrictChatMember(userId, { can_send_messages: false }, { until_date: Math.floor(Date.now() / 1000) + 24 * 3600 })
    await ctx.reply(`${ctx.from.first_name}, join the channel to write here.`, {
      reply_markup: {
        inline_keyboard: [
          ...channels.map((id) => [{ text: "Join", url: `https://t.me/c/${String(id).replace(/^-100/, "")}` }]),
          [{ text: "I joined", callback_data: `verify:${userId}` }]
        ]
      }
    })
  })
  bot.catch((error) => {
    process.stderr.write(`plain bot: ${String(error.error)}\n`)
  })

  const stopped = bot.start({ allowed_updates: ["message"] })
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (bot.isRunning()) {
        clearInterval(poll)
        resolve()
      }
    }, 10)
  })
  return {
    decisions,
    close: async () => {
      await bot.stop()
      await stopped
      let cursor = "0"
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${options.keyPrefix}*`, "COUNT", 1000)
        cursor = next
        if (keys.length > 0) await redis.del(...keys)
      } while (cursor !== "0")
      await redis.quit()
    }
  }
}
