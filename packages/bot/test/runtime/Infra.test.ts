import { describe, it } from "@effect/vitest"
import { AppConfig, Health, RateLimiterStore } from "@nezuko/core"
import { ConfigProvider, Effect, Layer } from "effect"
import { expect } from "vitest"
import { RateLimiterStoreLive } from "../../src/runtime/Infra.js"

describe("RateLimiterStoreLive (LIM-11, CACHE-6)", () => {
  it.live("with REDIS_URL set but Redis unreachable, calls are still granted from local windows", () =>
    Effect.gen(function* () {
      const store = yield* RateLimiterStore
      const checks = [{ key: "rl:api", windowMs: 1_000, limit: 100, scope: "budget" as const }]
      const results = yield* Effect.forEach(Array.from({ length: 6 }), () => store.tryAcquire("api", checks))
      expect(results.map((r) => r._tag)).toEqual(Array.from({ length: 6 }, () => "Granted"))
      expect(store.backend).toBe("memory")
    }).pipe(
      Effect.provide(RateLimiterStoreLive.pipe(
        Layer.provide(Layer.merge(AppConfig.Default, Health.Default)),
        // Nothing listens on port 1: every connection attempt is refused at once.
        Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["REDIS_URL", "redis://127.0.0.1:1"]]))))
      ))
    ), 15_000)
})
