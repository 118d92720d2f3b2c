import { SqlClient } from "@effect/sql"
import { describe, it } from "@effect/vitest"
import { AppSettingsRepo } from "@nezuko/db"
import { PgliteTest, SandboxTest, SandboxUnderTest } from "@nezuko/testing"
import { ConfigProvider, Context, Effect, Layer } from "effect"
import { expect } from "vitest"
import { AppConfig } from "../src/AppConfig.js"
import { Health } from "../src/Health.js"
import { RateLimiterStore } from "../src/RateLimiterStore.js"
import { TelegramApi } from "../src/TelegramApi.js"
import { RateLimiterStoreLive, rateLimitOverridesOf, TelegramLive } from "../src/TelegramLive.js"

// Nothing listens on port 1: every connection attempt is refused at once.
const deadRedis = (env: Record<string, string> = {}) =>
  Layer.merge(AppConfig.Default, Health.Default).pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ REDIS_URL: "redis://127.0.0.1:1", ...env })))))
  )

describe("TelegramLive and its limiter windows with Redis down (LIM-11, CACHE-6, AT-18)", () => {
  it.live("with REDIS_URL set but Redis unreachable, calls are still granted from local windows", () =>
    Effect.gen(function* () {
      const store = yield* RateLimiterStore
      const checks = [{ key: "rl:api", windowMs: 1_000, limit: 100, scope: "budget" as const }]
      const results = yield* Effect.forEach(Array.from({ length: 6 }), () => store.tryAcquire("api", checks))
      expect(results.map((r) => r._tag)).toEqual(Array.from({ length: 6 }, () => "Granted"))
      expect(store.backend).toBe("memory")
    }).pipe(Effect.provide(RateLimiterStoreLive.pipe(Layer.provide(deadRedis())))), 15_000)

  it.live("with Redis down, the local windows are the limits divided by the replicas live in bot_instances", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      // Two other replicas beat within 60 s, one has been silent for 5 minutes: 3 live, this one included.
      yield* sql`
        INSERT INTO bot_instances (instance_id, roles, mode, version, last_heartbeat_at) VALUES
          ('b', '{bot}', 'polling', 'test', now() - interval '10 seconds'),
          ('c', '{bot}', 'polling', 'test', now()),
          ('gone', '{bot}', 'polling', 'test', now() - interval '5 minutes')`
      const store = Context.get(yield* Layer.build(RateLimiterStoreLive.pipe(Layer.provide(deadRedis({ INSTANCE_ID: "a" })))), RateLimiterStore)
      const checks = [{ key: "rl:api", windowMs: 60_000, limit: 6, scope: "budget" as const }]
      const results = yield* Effect.forEach(Array.from({ length: 3 }), () => store.tryAcquire("api", checks))
      expect(results.map((r) => r._tag)).toEqual(["Granted", "Granted", "Wait"])
      expect(store.backend).toBe("memory")
    }).pipe(Effect.scoped, Effect.provide(PgliteTest)), 30_000)

  it.live("DATA-19: the limiter's run-time limits are the panel's app_settings rows, none while unset", () =>
    Effect.gen(function* () {
      const repo = yield* AppSettingsRepo
      expect(rateLimitOverridesOf(yield* repo.all)).toEqual({ global: undefined, perGroup: undefined })
      // As the panel's Settings → Limits writes them.
      yield* repo.put("limits.global_per_second", 12, null)
      yield* repo.put("limits.group_per_minute", 7, null)
      expect(rateLimitOverridesOf(yield* repo.all)).toEqual({ global: 12, perGroup: 7 })
    }).pipe(Effect.provide(AppSettingsRepo.Default), Effect.provide(PgliteTest)), 30_000)

  it.live("with Redis down, a call through TelegramLive (the bot's and the panel's way to Telegram) is answered, not held", () =>
    Effect.gen(function* () {
      const sandbox = yield* SandboxUnderTest
      const context = yield* Layer.build(TelegramLive.pipe(
        Layer.provide(deadRedis({ TELEGRAM_API_ROOT: sandbox.apiRoot, SANDBOX_BOT_TOKEN: sandbox.token }))
      ))
      const me = yield* Context.get(context, TelegramApi).getMe().pipe(Effect.timeout("10 seconds"))
      expect(me.is_bot).toBe(true)
    }).pipe(Effect.scoped, Effect.provide(SandboxTest())), 30_000)
})
