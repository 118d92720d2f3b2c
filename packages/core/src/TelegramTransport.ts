import { Context, Effect, Layer, Redacted } from "effect"
import { Api } from "grammy"
import { AppConfig } from "./AppConfig.js"

/**
 * The grammY `Api` TelegramApi sends through: infrastructure, provided once per process (CONVENTIONS §2).
 * Tests pass an `Api` whose transformers answer without a network (`fromApi`).
 */
export class TelegramTransport extends Context.Tag("@nezuko/core/TelegramTransport")<TelegramTransport, { readonly api: Api }>() {
  /** TELEGRAM_API_ROOT with the effective token; grammY's own timeout is only a backstop behind our 10 s. */
  static layer = Layer.effect(
    TelegramTransport,
    Effect.map(AppConfig, (config) => ({
      api: new Api(Redacted.value(config.effectiveBotToken), {
        apiRoot: config.telegramApiRoot.href.replace(/\/+$/, ""),
        timeoutSeconds: 40
      })
    }))
  )

  static fromApi(api: Api) {
    return Layer.succeed(TelegramTransport, { api })
  }
}
