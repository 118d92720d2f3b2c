import {
  AppConfig,
  CircuitBreakers,
  layerResilientLimiterStore,
  RateLimiter,
  RateLimiterStore,
  RedisClient,
  TelegramApi,
  TelegramTransport
} from "@nezuko/core"
import { Effect, Layer, Option } from "effect"

/**
 * RateLimiter windows (LIM-11): shared through Redis when REDIS_URL is set, per process otherwise. With Redis
 * down they fall back to local windows behind the `redis` breaker; the plain Redis store would hold every
 * Telegram call forever (AT-18). CacheLive does not expose its RedisClient, so the limiter opens its own
 * connection for now.
 */
export const RateLimiterStoreLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    Option.match(config.redisUrl, {
      onNone: () => RateLimiterStore.layerMemory,
      onSome: (url) =>
        layerResilientLimiterStore(config.redisKeyPrefix, config.instanceId).pipe(
          Layer.provide(Layer.merge(RedisClient.layer(url), CircuitBreakers.Default))
        )
    }))
)

/** TelegramApi with its limiter, breakers and transport (ARCH-7), plus CircuitBreakers for the poller's gate. */
export const TelegramLive = TelegramApi.Default.pipe(
  Layer.provide(Layer.mergeAll(TelegramTransport.layer, RateLimiter.Default.pipe(Layer.provide(RateLimiterStoreLive)))),
  Layer.provideMerge(CircuitBreakers.Default)
)
