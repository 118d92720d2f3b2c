import { Effect, Layer, Option } from "effect"
import { AppConfig } from "./AppConfig.js"
import { Health, timedProbe } from "./Health.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { RedisClient } from "./Redis.js"

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
 * readiness — otherwise the bounded memory store, reported as `not_configured`.
 */
export const CacheLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    Option.match(config.redisUrl, {
      onSome: (url) =>
        Layer.merge(KeyValueStore.layerRedis(config.redisKeyPrefix), redisProbe).pipe(Layer.provideMerge(RedisClient.layer(url))),
      onNone: () => Layer.merge(KeyValueStore.layerMemory(), notConfiguredProbe)
    }))
)
