import type { Feature } from "../runtime/Feature.js"
import { botStatusFeature } from "./botStatus.js"
import { callbacksFeature } from "./callbacks.js"
import { joinRequestsFeature } from "./joinRequests.js"
import { membersFeature } from "./members.js"
import { messagesFeature } from "./messages.js"
import { migrationFeature } from "./migration.js"
import { privateChatFeature } from "./privateChat.js"
import type { EngineFeatureServices } from "./services.js"

/**
 * The services feature effects may use. BotLive provides them; extend the union (and BotLive's provision)
 * together when a feature needs another service.
 */
export type FeatureServices = EngineFeatureServices

/** Installed in this order, before the runtime's "unhandled" fallback (CONVENTIONS §7). */
export const features: ReadonlyArray<Feature<FeatureServices>> = [
  callbacksFeature, migrationFeature, membersFeature, botStatusFeature, joinRequestsFeature, privateChatFeature, messagesFeature
]
