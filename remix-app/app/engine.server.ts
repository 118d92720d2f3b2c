import {
  AppConfig, CircuitBreakers, EngineLive, Jobs, layerRedisLimiterStore, Outbox, RateLimiter, RateLimiterStore, RedisClient,
  TelegramApi, TelegramTransport, VerificationLog
} from "@nezuko/core"
import { JobQueue } from "@nezuko/db"
import { Effect, Layer, Option } from "effect"

// The panel reaches Telegram only through TelegramApi, with the same limiter windows as the bot (shared
// through Redis when configured), so panel calls count against the same budgets (LIM-11).
const LimiterStoreLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    Option.match(config.redisUrl, {
      onNone: () => RateLimiterStore.layerMemory,
      onSome: (url) => layerRedisLimiterStore(config.redisKeyPrefix, config.instanceId).pipe(Layer.provide(RedisClient.layer(url)))
    }))
)

const PanelTelegramLive = TelegramApi.Default.pipe(
  Layer.provide(Layer.mergeAll(TelegramTransport.layer, RateLimiter.Default.pipe(Layer.provide(LimiterStoreLive)))),
  Layer.provideMerge(CircuitBreakers.Default)
)

/** The bot engine's services (GroupProtection's checks, Verification, GroupDirectory…) for the panel's actions. */
export const PanelEngineLive = EngineLive.pipe(
  Layer.provideMerge(Layer.mergeAll(VerificationLog.Default, Jobs.Default, Outbox.Default)),
  Layer.provideMerge(JobQueue.Default),
  Layer.provideMerge(PanelTelegramLive)
)
