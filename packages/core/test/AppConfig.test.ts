import { describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Either, Option, Redacted } from "effect"
import { expect } from "vitest"
import { describeConfigError, loadConfig, maskedConfig } from "../src/AppConfig.js"

const load = (env: Record<string, string>) =>
  Effect.withConfigProvider(Effect.either(loadConfig), ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("AppConfig", () => {
  it.effect("with nothing set it is the development demo: sandbox, embedded database, SPEC defaults", () =>
    Effect.gen(function* () {
      const config = Either.getOrThrow(yield* load({}))
      expect(config.sandboxMode).toBe(true)
      expect(config.embeddedDatabase).toBe(true)
      expect(config.databasePoolSize).toBe(20)
      expect(config.panelPort).toBe(3000)
      expect(config.healthPort).toBe(9464)
      expect(config.telegramApiRoot.toString()).toBe("http://127.0.0.1:8081/")
      expect(config.roles).toEqual(["bot", "panel", "jobs"])
      expect(config.logLevel).toBe("debug")
      expect(config.logFormat).toBe("pretty")
      expect(Duration.toSeconds(config.cachePositiveTtl)).toBe(600)
      expect(config.webhookMode).toBe(false)
    }))

  it.effect("every bad variable is reported together, each with its name and reason", () =>
    Effect.gen(function* () {
      const result = yield* load({ DATABASE_POOL_SIZE: "abc", HEALTH_PORT: "70000", CACHE_JITTER_PERCENT: "51", BOT_MODE: "carrier-pigeon" })
      const lines = describeConfigError(Either.getLeft(result).pipe(Option.getOrThrow))
      expect(lines.some((l) => l.startsWith("DATABASE_POOL_SIZE:"))).toBe(true)
      expect(lines.some((l) => l.startsWith("HEALTH_PORT:") && l.includes("0 to 65535"))).toBe(true)
      expect(lines.some((l) => l.startsWith("CACHE_JITTER_PERCENT:"))).toBe(true)
      expect(lines.some((l) => l.startsWith("BOT_MODE:"))).toBe(true)
    }))

  it.effect("production refuses the embedded fallbacks and insecure panel settings (SEC-19)", () =>
    Effect.gen(function* () {
      const result = yield* load({ ENVIRONMENT: "production" })
      const lines = describeConfigError(Either.getLeft(result).pipe(Option.getOrThrow)).join("\n")
      for (const name of ["BOT_TOKEN", "DATABASE_URL", "JWT_PRIVATE_KEY", "CSRF_SECRET", "PANEL_PUBLIC_URL"]) {
        expect(lines).toContain(`${name}:`)
      }
    }))

  it.effect("webhook mode needs its secret, and TTLs accept plain seconds or a duration", () =>
    Effect.gen(function* () {
      const noSecret = yield* load({ WEBHOOK_URL: "https://bot.example.org" })
      expect(describeConfigError(Either.getLeft(noSecret).pipe(Option.getOrThrow)).join()).toContain("WEBHOOK_SECRET:")
      const ok = Either.getOrThrow(yield* load({
        WEBHOOK_URL: "https://bot.example.org", WEBHOOK_SECRET: "s3cret_token", CACHE_POSITIVE_TTL: "10 minutes",
        CACHE_NEGATIVE_TTL: "30", NEZUKO_ROLES: "bot,jobs", PANEL_ALLOWED_ORIGINS: "https://a.example,https://b.example"
      }))
      expect(ok.webhookMode).toBe(true)
      expect(Duration.toSeconds(ok.cachePositiveTtl)).toBe(600)
      expect(Duration.toSeconds(ok.cacheNegativeTtl)).toBe(30)
      expect(ok.roles).toEqual(["bot", "jobs"])
      expect(ok.panelAllowedOrigins.map((u) => u.origin)).toEqual(["https://a.example", "https://b.example"])
      const bad = yield* load({ PANEL_ALLOWED_ORIGINS: "https://a.example,ftp://b.example", CACHE_POSITIVE_TTL: "soon" })
      expect(describeConfigError(Either.getLeft(bad).pipe(Option.getOrThrow)).join()).toContain("CACHE_POSITIVE_TTL: must be seconds")
      expect(describeConfigError(Either.getLeft(bad).pipe(Option.getOrThrow)).join()).toContain("PANEL_ALLOWED_ORIGINS")
    }))

  it.effect("secrets never appear in the masked view", () =>
    Effect.gen(function* () {
      const config = Either.getOrThrow(yield* load({
        BOT_TOKEN: "123:ABCsecret", DATABASE_URL: "postgres://u:hunter2@db:5432/nz", REDIS_URL: "redis://:pw@r:6379"
      }))
      expect(Redacted.value(Option.getOrThrow(config.botToken))).toBe("123:ABCsecret")
      const text = JSON.stringify(maskedConfig(config))
      expect(text).not.toContain("ABCsecret")
      expect(text).not.toContain("hunter2")
      expect(text).not.toContain(":pw@")
      expect(text).toContain("postgres://u:*****@db:5432/nz")
    }))
})
