import { hostname } from "node:os"
import { Config, ConfigError, Duration, Effect, Either, Option, Redacted } from "effect"

const intIn = (name: string, min: number, max: number, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `must be an integer from ${min} to ${max}`, validation: (n) => n >= min && n <= max }),
    Config.withDefault(fallback)
  )

// SPEC OPS-2: plain seconds ("600") or a duration with a unit ("10 minutes").
const secondsOrDuration = (name: string, min: number, max: number, fallback: number) =>
  Config.string(name).pipe(
    Config.mapOrFail((raw) => {
      const text = raw.trim()
      const parsed = /^\d+$/.test(text) ? Option.some(Duration.seconds(Number(text))) : Duration.decodeUnknown(text)
      return Option.match(parsed, {
        onNone: () => Either.left(ConfigError.InvalidData([name], `must be seconds or a duration such as "10 minutes", got "${raw}"`)),
        onSome: (d) => {
          const s = Duration.toSeconds(d)
          return s >= min && s <= max
            ? Either.right(d)
            : Either.left(ConfigError.InvalidData([name], `must be between ${min} and ${max} seconds, got ${s}`))
        }
      })
    }),
    Config.withDefault(Duration.seconds(fallback))
  )

const optionalSecret = (name: string) => Config.option(Config.redacted(name))
const optionalString = (name: string) =>
  Config.option(Config.string(name)).pipe(Config.map(Option.filter((s) => s.trim() !== "")))
const origin = (name?: string) =>
  Config.url(name).pipe(
    Config.validate({ message: "must be an http(s) URL", validation: (u) => u.protocol === "http:" || u.protocol === "https:" })
  )

/** The token the Telegram sandbox accepts by default (the sandbox package defines the same value; a test keeps them equal). */
export const DemoBotToken = "7000000001:SANDBOX-demo-token-not-a-secret-00000"

export const Roles = ["bot", "panel", "jobs"] as const
export type Role = (typeof Roles)[number]
export const LogLevels = ["trace", "debug", "info", "warn", "error", "fatal"] as const

// The variables the cross-field rules look at. They are read on their own as well, so a production guard is
// reported together with any unrelated bad variable rather than after it is fixed.
const guardFields = {
  environment: Config.literal("development", "production")("ENVIRONMENT").pipe(Config.withDefault("development" as const)),
  botToken: optionalSecret("BOT_TOKEN"),
  botMode: Config.literal("auto", "polling", "webhook")("BOT_MODE").pipe(Config.withDefault("auto" as const)),
  webhookUrl: Config.option(origin("WEBHOOK_URL")),
  webhookSecret: Config.option(Config.redacted(
    Config.string("WEBHOOK_SECRET").pipe(
      Config.validate({ message: "must be 1-256 characters of A-Z a-z 0-9 _ -", validation: (s) => /^[A-Za-z0-9_-]{1,256}$/.test(s) })
    )
  )),
  databaseUrl: optionalSecret("DATABASE_URL"),
  panelPublicUrl: origin("PANEL_PUBLIC_URL").pipe(Config.withDefault(new URL("http://localhost:3000"))),
  jwtPrivateKey: optionalSecret("JWT_PRIVATE_KEY"),
  jwtPrivateKeyFile: optionalString("JWT_PRIVATE_KEY_FILE"),
  csrfSecret: Config.option(Config.redacted(
    Config.string("CSRF_SECRET").pipe(
      Config.validate({ message: "must be at least 32 bytes", validation: (s) => Buffer.byteLength(s) >= 32 })
    )
  ))
}

/** Every variable of SPEC OPS-2, read once and validated together. */
const fields = Config.all({
  ...guardFields,
  sandboxBotToken: optionalString("SANDBOX_BOT_TOKEN"),
  telegramApiRoot: Config.option(origin("TELEGRAM_API_ROOT")),
  webhookPath: Config.string("WEBHOOK_PATH").pipe(
    Config.validate({ message: "must start with /", validation: (p) => p.startsWith("/") }),
    Config.withDefault("/telegram/webhook")
  ),
  webhookPort: intIn("WEBHOOK_PORT", 1, 65535, 8443),
  webhookMaxConnections: intIn("WEBHOOK_MAX_CONNECTIONS", 1, 100, 40),
  databasePoolSize: intIn("DATABASE_POOL_SIZE", 1, 200, 20),
  dataDir: Config.string("DATA_DIR").pipe(Config.withDefault("./.data")),
  redisUrl: optionalSecret("REDIS_URL"),
  redisKeyPrefix: Config.string("REDIS_KEY_PREFIX").pipe(Config.withDefault("nz:")),
  sentryDsn: optionalSecret("SENTRY_DSN"),
  sentryTracesSampleRate: Config.number("SENTRY_TRACES_SAMPLE_RATE").pipe(
    Config.validate({ message: "must be between 0 and 1", validation: (n) => n >= 0 && n <= 1 }),
    Config.withDefault(0.1)
  ),
  otlpEndpoint: Config.option(origin("OTEL_EXPORTER_OTLP_ENDPOINT")),
  logLevel: Config.option(Config.literal(...LogLevels)("LOG_LEVEL")),
  logFormat: Config.option(Config.literal("json", "pretty")("LOG_FORMAT")),
  panelPort: intIn("PANEL_PORT", 1, 65535, 3000),
  // An empty value (as in .env.example) means none, which Config.array would refuse as a malformed URL.
  panelAllowedOrigins: Config.string("PANEL_ALLOWED_ORIGINS").pipe(
    Config.withDefault(""),
    Config.mapOrFail((raw) => {
      const items = raw.split(",").map((s) => s.trim()).filter((s) => s !== "")
      const urls: Array<URL> = []
      for (const item of items) {
        try {
          const url = new URL(item)
          if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme")
          urls.push(url)
        } catch {
          return Either.left(ConfigError.InvalidData(["PANEL_ALLOWED_ORIGINS"], `"${item}" is not an http(s) origin`))
        }
      }
      return Either.right(urls)
    })
  ),
  panelTimezone: Config.string("PANEL_TIMEZONE").pipe(
    Config.validate({ message: "must be an IANA time zone such as Europe/Berlin", validation: isTimeZone }),
    Config.withDefault("UTC")
  ),
  healthPort: intIn("HEALTH_PORT", 0, 65535, 9464),
  metricsToken: optionalSecret("METRICS_TOKEN"),
  jwtPublicKeys: optionalSecret("JWT_PUBLIC_KEYS"),
  jwtPublicKeysFile: optionalString("JWT_PUBLIC_KEYS_FILE"),
  jwtIssuer: optionalString("JWT_ISSUER"),
  jwtAudience: Config.string("JWT_AUDIENCE").pipe(Config.withDefault("nezuko-panel")),
  accessTokenTtl: secondsOrDuration("ACCESS_TOKEN_TTL", 60, 86_400, 900),
  refreshTokenTtl: secondsOrDuration("REFRESH_TOKEN_TTL", 3_600, 2_592_000, 604_800),
  cachePositiveTtl: secondsOrDuration("CACHE_POSITIVE_TTL", 60, 86_400, 600),
  cacheNegativeTtl: secondsOrDuration("CACHE_NEGATIVE_TTL", 10, 3_600, 60),
  cacheJitterPercent: intIn("CACHE_JITTER_PERCENT", 0, 50, 15),
  rateLimitGlobal: intIn("RATE_LIMIT_GLOBAL", 1, 28, 25),
  rateLimitPerGroup: intIn("RATE_LIMIT_PER_GROUP", 1, 20, 20),
  rateLimitApiCalls: intIn("RATE_LIMIT_API_CALLS", 1, 1000, 100),
  rateLimitRetries: intIn("RATE_LIMIT_RETRIES", 0, 10, 3),
  // LIM-12 breaker thresholds ("configurable"); not in OPS-2's table, so optional with the SPEC defaults.
  breakerTelegramFailures: intIn("BREAKER_TELEGRAM_FAILURES", 1, 100, 5),
  breakerTelegramOpen: secondsOrDuration("BREAKER_TELEGRAM_OPEN_SECONDS", 1, 300, 60),
  breakerRedisFailures: intIn("BREAKER_REDIS_FAILURES", 1, 100, 5),
  breakerRedisOpen: secondsOrDuration("BREAKER_REDIS_OPEN_SECONDS", 1, 300, 30),
  breakerPostgresFailures: intIn("BREAKER_POSTGRES_FAILURES", 1, 100, 3),
  breakerPostgresOpen: secondsOrDuration("BREAKER_POSTGRES_OPEN_SECONDS", 1, 300, 30),
  verificationLogRetentionDays: intIn("VERIFICATION_LOG_RETENTION_DAYS", 1, 3650, 90),
  auditLogRetentionDays: intIn("AUDIT_LOG_RETENTION_DAYS", 90, 3650, 365),
  roles: Config.array(Config.literal(...Roles)(), "NEZUKO_ROLES").pipe(Config.withDefault([...Roles])),
  instanceId: Config.string("INSTANCE_ID").pipe(Config.withDefault(`${hostname()}-${process.pid}`)),
  shutdownGrace: secondsOrDuration("SHUTDOWN_GRACE_SECONDS", 1, 300, 10),
  sandboxPort: intIn("SANDBOX_PORT", 0, 65535, 8081)
})

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone })
    return true
  } catch {
    return false
  }
}

type Fields = Config.Config.Success<typeof fields>
const guardConfig = Config.all(guardFields)

// Rules that involve more than one variable (SEC-19, OPS-10). Each broken rule names its variable.
const crossChecks = (c: Config.Config.Success<typeof guardConfig>): ReadonlyArray<ConfigError.ConfigError> => {
  const errors: Array<ConfigError.ConfigError> = []
  const bad = (name: string, message: string) => errors.push(ConfigError.InvalidData([name], message))
  if (c.environment === "production") {
    if (Option.isNone(c.botToken)) bad("BOT_TOKEN", "is required in production (no sandbox there)")
    if (Option.isNone(c.databaseUrl)) bad("DATABASE_URL", "is required in production (no embedded database there)")
    if (Option.isNone(c.jwtPrivateKey) && Option.isNone(c.jwtPrivateKeyFile)) {
      bad("JWT_PRIVATE_KEY", "is required in production (or JWT_PRIVATE_KEY_FILE)")
    }
    if (Option.isNone(c.csrfSecret)) bad("CSRF_SECRET", "is required in production")
    if (c.panelPublicUrl.protocol !== "https:") bad("PANEL_PUBLIC_URL", "must be https in production")
  }
  const webhook = c.botMode === "webhook" || (c.botMode === "auto" && Option.isSome(c.webhookUrl))
  if (webhook && Option.isNone(c.webhookUrl)) bad("WEBHOOK_URL", "is required when BOT_MODE=webhook")
  if (webhook && Option.isNone(c.webhookSecret)) bad("WEBHOOK_SECRET", "is required in webhook mode")
  return errors
}

const derive = (c: Fields) => {
  const development = c.environment === "development"
  return {
    ...c,
    logLevel: Option.getOrElse(c.logLevel, () => (development ? "debug" : "info")),
    logFormat: Option.getOrElse(c.logFormat, () => (development ? "pretty" : "json")),
    jwtIssuer: Option.getOrElse(c.jwtIssuer, () => c.panelPublicUrl.origin),
    /** Unset BOT_TOKEN outside production means the Telegram sandbox (OPS-14). */
    sandboxMode: Option.isNone(c.botToken),
    /** The token the bot presents: BOT_TOKEN, or in sandbox mode the sandbox's token. */
    effectiveBotToken: Option.getOrElse(c.botToken, () => Redacted.make(Option.getOrElse(c.sandboxBotToken, () => DemoBotToken))),
    /** Where the Bot API lives: TELEGRAM_API_ROOT, else Telegram, else (sandbox mode) the local sandbox. */
    telegramApiRoot: Option.getOrElse(c.telegramApiRoot, () =>
      Option.isNone(c.botToken) ? new URL(`http://127.0.0.1:${c.sandboxPort}`) : new URL("https://api.telegram.org")),
    /** Unset DATABASE_URL outside production means embedded PGlite (OPS-13). */
    embeddedDatabase: Option.isNone(c.databaseUrl),
    webhookMode: c.botMode === "webhook" || (c.botMode === "auto" && Option.isSome(c.webhookUrl))
  } as const
}

/** The validated configuration; every invalid variable is reported at once (OPS-3). */
export const loadConfig = Effect.flatMap(
  Effect.all([Effect.either(fields), Effect.either(guardConfig)]),
  ([all, guard]) => {
    const errors = [
      ...(Either.isLeft(all) ? [all.left] : []),
      ...(Either.isRight(guard) ? crossChecks(guard.right) : [])
    ]
    if (errors.length > 0) return Effect.fail(errors.reduce((a, b) => ConfigError.And(a, b)))
    return Either.isRight(all) ? Effect.succeed(derive(all.right)) : Effect.dieMessage("unreachable")
  }
)

export type AppConfigShape = Effect.Effect.Success<typeof loadConfig>

export class AppConfig extends Effect.Service<AppConfig>()("@nezuko/core/AppConfig", {
  effect: loadConfig
}) {}

/** One line per bad variable: `DATABASE_POOL_SIZE: Expected an integer value but received abc`. */
export const describeConfigError = (error: ConfigError.ConfigError): ReadonlyArray<string> => {
  switch (error._op) {
    case "And":
    case "Or":
      return [...describeConfigError(error.left), ...describeConfigError(error.right)]
    case "InvalidData":
    case "MissingData":
    case "SourceUnavailable":
    case "Unsupported":
      return [`${error.path.join(".") || "(configuration)"}: ${error.message}`]
  }
}

/** Shown wherever configuration is printed (`nezuko config check`, the panel's settings page). */
export const maskedConfig = (config: AppConfigShape): Record<string, string> => {
  const mask = (value: Option.Option<Redacted.Redacted>) =>
    Option.match(value, { onNone: () => "(unset)", onSome: () => "(set, hidden)" })
  const maskUrl = (value: Option.Option<Redacted.Redacted>) =>
    Option.match(value, { onNone: () => "(unset)", onSome: (r) => redactUrl(Redacted.value(r)) })
  return {
    ENVIRONMENT: config.environment,
    BOT_TOKEN: mask(config.botToken),
    TELEGRAM_API_ROOT: config.telegramApiRoot.toString(),
    BOT_MODE: config.botMode,
    WEBHOOK_URL: Option.match(config.webhookUrl, { onNone: () => "(unset)", onSome: (u) => u.toString() }),
    WEBHOOK_PATH: config.webhookPath,
    WEBHOOK_SECRET: mask(config.webhookSecret),
    WEBHOOK_PORT: String(config.webhookPort),
    DATABASE_URL: Option.isNone(config.databaseUrl) ? "(unset: embedded PGlite)" : maskUrl(config.databaseUrl),
    DATABASE_POOL_SIZE: String(config.databasePoolSize),
    DATA_DIR: config.dataDir,
    REDIS_URL: Option.isNone(config.redisUrl) ? "(unset: in-memory)" : maskUrl(config.redisUrl),
    REDIS_KEY_PREFIX: config.redisKeyPrefix,
    SENTRY_DSN: mask(config.sentryDsn),
    LOG_LEVEL: config.logLevel,
    LOG_FORMAT: config.logFormat,
    PANEL_PORT: String(config.panelPort),
    PANEL_PUBLIC_URL: config.panelPublicUrl.origin,
    PANEL_ALLOWED_ORIGINS: config.panelAllowedOrigins.map((u) => u.origin).join(","),
    PANEL_TIMEZONE: config.panelTimezone,
    HEALTH_PORT: String(config.healthPort),
    METRICS_TOKEN: mask(config.metricsToken),
    JWT_PRIVATE_KEY: mask(config.jwtPrivateKey),
    CSRF_SECRET: mask(config.csrfSecret),
    NEZUKO_ROLES: config.roles.join(","),
    INSTANCE_ID: config.instanceId
  }
}

/** Passwords in connection URLs are masked in every output (SEC-16). */
export const redactUrl = (raw: string): string => {
  try {
    const url = new URL(raw)
    if (url.password) url.password = "*****"
    return url.toString()
  } catch {
    return "(unparseable URL)"
  }
}
