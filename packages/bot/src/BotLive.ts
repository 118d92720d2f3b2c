import { AppConfig, EngineLive, VerificationLog } from "@nezuko/core"
import { Effect, Layer } from "effect"
import { BotIdentityLive } from "./BotIdentity.js"
import { features } from "./features/index.js"
import { makeBotLayer } from "./runtime/BotRuntime.js"
import { TelegramLive } from "./runtime/Infra.js"
import { LeaderLive } from "./runtime/Leader.js"
import { PollingLive } from "./runtime/Polling.js"
import { WebhookLive } from "./runtime/Webhook.js"

/** Update intake for the `bot` role (OPS-1): the webhook (OPS-10) when BOT_MODE/WEBHOOK_URL say so, else polling (OPS-9). */
export const IntakeLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    !config.roles.includes("bot") ? Layer.empty : config.webhookMode ? Layer.discard(WebhookLive) : PollingLive)
)

/**
 * The bot process's roles over one runtime: getMe (BOT-2), the grammY bot with `features`, the intake, and
 * leader election with the heartbeat (OPS-12). Needs the database and the KeyValueStore from the process graph.
 */
export const BotLive = Layer.mergeAll(IntakeLive, Layer.discard(LeaderLive)).pipe(
  Layer.provide(makeBotLayer(features)),
  Layer.provide(EngineLive),
  Layer.provide(BotIdentityLive),
  Layer.provide(VerificationLog.Default),
  Layer.provide(TelegramLive)
)
