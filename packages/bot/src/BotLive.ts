import { AppConfig, EngineLive, VerificationLog } from "@nezuko/core"
import { Effect, Layer } from "effect"
import { BotIdentityLive } from "./BotIdentity.js"
import { features } from "./features/index.js"
import { makeBotLayer } from "./runtime/BotRuntime.js"
import { TelegramLive } from "./runtime/Infra.js"
import { PollingLive } from "./runtime/Polling.js"

/** Update intake for the `bot` role (OPS-1): long polling (OPS-9) or, with BOT_MODE/WEBHOOK_URL, the webhook. */
const IntakeLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) => (config.roles.includes("bot") ? PollingLive : Layer.empty))
)

/**
 * The bot process's roles over one runtime: getMe (BOT-2), the grammY bot with `features`, and the intake.
 * Needs the database (VerificationLog) and the KeyValueStore from the process graph.
 */
export const BotLive = IntakeLive.pipe(
  Layer.provide(makeBotLayer(features)),
  Layer.provide(EngineLive),
  Layer.provide(BotIdentityLive),
  Layer.provide(VerificationLog.Default),
  Layer.provide(TelegramLive)
)
