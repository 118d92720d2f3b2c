import { AppConfig, FatalStartup, Health } from "@nezuko/core"
import { Context, Effect, Layer, Redacted, Schedule } from "effect"
import { Api, GrammyError, HttpError } from "grammy"
import type { UserFromGetMe } from "grammy/types"

/** Who the bot is, from getMe at start-up (BOT-2). */
export class BotIdentity extends Context.Tag("@nezuko/bot/BotIdentity")<BotIdentity, UserFromGetMe>() {}

// A network error at start is retried (Telegram or the sandbox may come up later); only a rejected token is
// fatal. Readiness stays 503 until getMe succeeds.
const startupRetry = Schedule.exponential("500 millis").pipe(Schedule.union(Schedule.spaced("10 seconds")))

/**
 * Calls getMe at TELEGRAM_API_ROOT with the configured token. 401 → exit code 2 with a clear message (BOT-2);
 * the token itself never reaches a log line.
 */
export const BotIdentityLive = Layer.effect(
  BotIdentity,
  Effect.gen(function* () {
    const config = yield* AppConfig
    const health = yield* Health
    yield* health.starting("telegram")
    const api = new Api(Redacted.value(config.effectiveBotToken), { apiRoot: config.telegramApiRoot.toString().replace(/\/$/, "") })
    const me = yield* Effect.tryPromise({ try: () => api.getMe(), catch: (e) => e }).pipe(
      Effect.tapError((e) =>
        e instanceof GrammyError && e.error_code === 401
          ? Effect.void
          : Effect.logWarning(`getMe failed, retrying: ${e instanceof HttpError || e instanceof GrammyError ? e.message : String(e)}`)),
      Effect.retry({ schedule: startupRetry, while: (e) => !(e instanceof GrammyError && e.error_code === 401) }),
      Effect.catchAll(() =>
        new FatalStartup({
          exitCode: 2,
          message: `Telegram rejected BOT_TOKEN (401 Unauthorized) at ${config.telegramApiRoot.origin}: check the token with @BotFather`
        }))
    )
    yield* health.ready("telegram")
    yield* health.setInfo("bot", { username: me.username, id: me.id, api_root: config.telegramApiRoot.origin })
    yield* Effect.logInfo(`signed in to Telegram as @${me.username}`).pipe(Effect.annotateLogs("bot_id", String(me.id)))
    return me
  })
)
