import { Layer } from "effect"
import { BotIdentityLive } from "./BotIdentity.js"

/**
 * The bot role. Update intake (long polling or webhook) and the handlers arrive with "The bot I": polling
 * without handlers would confirm — and so lose — every pending update, so until then the role only signs in.
 */
export const BotLive = Layer.discard(BotIdentityLive)
