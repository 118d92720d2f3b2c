import { Effect, Layer, Option } from "effect"
import { AppConfig } from "./AppConfig.js"
import { CacheEvents } from "./CacheEvents.js"
import { CircuitBreakers } from "./CircuitBreakers.js"
import { Health, timedProbe } from "./Health.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { RedisClient } from "./Redis.js"
import { LogRing } from "./LogRing.js"
import { layerResilientKeyValueStore } from "./ResilientStores.js"

const redisProbe = Layer.effectDiscard(
  Effect.gen(function* () {
    const health = yield* Health
    const redis = yield* RedisClient
    yield* health.addProbe("redis", timedProbe(redis.use((c) => c.ping())), { critical: false })
  })
)

const notConfiguredProbe = Layer.effectDiscard(
  Effect.flatMap(Health, (health) => health.addProbe("redis", Effect.succeed({ status: "not_configured" as const }), { critical: false }))
)

/**
 * KeyValueStore from configuration (CACHE-6): Redis when REDIS_URL is set — a failing Redis only degrades
 * readiness — otherwise the bounded memory store, reported as `not_configured`. The `nz:inv` invalidations
 * (CACHE-7) and the shared log ring (PANEL-12) use the same client; the store falls back to memory while the `redis` breaker is open. The rate
 * limiter's windows are TelegramLive's (LIM-11).
 */
export const CacheLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    Option.match(config.redisUrl, {
      onSome: (url) =>
        Layer.mergeAll(
          layerResilientKeyValueStore(config.redisKeyPrefix),
          CacheEvents.layerRedis(config.redisKeyPrefix),
          LogRing.layerRedis(config.redisKeyPrefix),
          redisProbe
        ).pipe(Layer.provideMerge(RedisClient.layer(url)), Layer.provideMerge(CircuitBreakers.Default)),
      onNone: () => Layer.mergeAll(KeyValueStore.layerMemory(), CacheEvents.local, LogRing.local, notConfiguredProbe)
    }))
)
