import { EngineLive, Jobs, TelegramLive, VerificationLog } from "@nezuko/core"
import { JobQueue } from "@nezuko/db"
import { Layer } from "effect"

/** The bot engine's services (GroupProtection's checks, Verification, GroupDirectory…) for the panel's actions. */
export const PanelEngineLive = EngineLive.pipe(
  Layer.provideMerge(Layer.mergeAll(VerificationLog.Default, Jobs.Default)),
  Layer.provideMerge(JobQueue.Default),
  // The panel reaches Telegram only through TelegramLive, as the bot does: the same limiter windows (LIM-11).
  Layer.provideMerge(TelegramLive)
)
