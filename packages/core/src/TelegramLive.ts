import { SqlClient } from "@effect/sql"
import { AppSettingsRepo } from "@nezuko/db"
import { Effect, Layer, Option } from "effect"
import { AppConfig } from "./AppConfig.js"
import { CircuitBreakers } from "./CircuitBreakers.js"
import { RedisClient } from "./Redis.js"
import { RateLimiter, RateLimitOverrides } from "./RateLimiter.js"
import { RateLimiterStore } from "./RateLimiterStore.js"
import { instanceHeartbeatEvery, liveOtherReplicas } from "./Replicas.js"
import { layerResilientLimiterStore } from "./ResilientStores.js"
import { TelegramApi } from "./TelegramApi.js"
import { TelegramTransport } from "./TelegramTransport.js"

/**
 * LIM-11's divisor while Redis is away: the replicas live in `bot_instances`, this one included. Read at most
 * once per heartbeat period, so a degraded tryAcquire does not cost a query each time; without a database, or
 * while it cannot answer, the last count (at first 1) stands.
 */
export const liveReplicas: Effect.Effect<Effect.Effect<number>, never, AppConfig> = Effect.gen(function* () {
  const sql = yield* Effect.serviceOption(SqlClient.SqlClient)
  if (Option.isNone(sql)) return Effect.succeed(1)
  const config = yield* AppConfig
  let last = 1
  const read = liveOtherReplicas(sql.value, config.instanceId).pipe(
    Effect.timeout("1 second"),
    Effect.map((others) => (last = others.length + 1)),
    Effect.orElseSucceed(() => last)
  )
  return yield* Effect.cachedWithTTL(read, instanceHeartbeatEvery)
})

/**
 * RateLimiter windows (LIM-11) for every process that calls Telegram (the bot's TelegramApi and the panel's):
 * shared through Redis when REDIS_URL is set, per process otherwise. With Redis down they fall back to local
 * windows behind the `redis` breaker, at the configured limits divided by the live replicas; the plain Redis
 * store would hold every Telegram call until Redis came back (AT-18). It opens its own Redis connection, so
 * it fits any process graph, with or without CacheLive.
 */
export const RateLimiterStoreLive = Layer.unwrapEffect(
  Effect.gen(function* () {
    const config = yield* AppConfig
    if (Option.isNone(config.redisUrl)) return RateLimiterStore.layerMemory
    return layerResilientLimiterStore(config.redisKeyPrefix, config.instanceId, yield* liveReplicas).pipe(
      Layer.provide(Layer.merge(RedisClient.layer(config.redisUrl.value), CircuitBreakers.Default))
    )
  })
)

const storedNumber = (value: unknown) => (typeof value === "number" ? value : undefined)

/** DATA-19: the panel's `limits.global_per_second` and `limits.group_per_minute` among app_settings' rows. */
export const rateLimitOverridesOf = (stored: ReadonlyMap<string, unknown>) => ({
  global: storedNumber(stored.get("limits.global_per_second")),
  perGroup: storedNumber(stored.get("limits.group_per_minute"))
})

/** The limiter reads them at run time (AppSettingsRepo); without a database the environment's values stand. */
export const RateLimitOverridesLive = Layer.unwrapEffect(
  Effect.map(Effect.serviceOption(SqlClient.SqlClient), Option.match({
    onNone: () => Layer.empty,
    onSome: (sql) =>
      Layer.effect(RateLimitOverrides, Effect.map(AppSettingsRepo, (repo) => Effect.map(repo.all, rateLimitOverridesOf))).pipe(
        Layer.provide(AppSettingsRepo.Default),
        Layer.provide(Layer.succeed(SqlClient.SqlClient, sql))
      )
  }))
)

/**
 * TelegramApi with its limiter, breakers and transport (ARCH-7), plus CircuitBreakers (the poller's gate) and
 * the limiter (the prompt coalescer reads its windows): the one way to Telegram of the bot process and of the
 * panel, so both count against the same budgets.
 */
export const TelegramLive = TelegramApi.Default.pipe(
  Layer.provide(TelegramTransport.layer),
  Layer.provideMerge(RateLimiter.Default.pipe(Layer.provide(RateLimiterStoreLive), Layer.provide(RateLimitOverridesLive))),
  Layer.provideMerge(CircuitBreakers.Default)
)
