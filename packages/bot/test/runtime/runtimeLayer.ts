import { CacheEvents, KeyValueStore } from "@nezuko/core"
import { AppConfigTest, testBotUser } from "@nezuko/testing"
import { Layer } from "effect"
import { BotIdentity } from "../../src/BotIdentity.js"
import { makeBotLayer } from "../../src/runtime/BotRuntime.js"
import type { Feature } from "../../src/runtime/Feature.js"

/** BotRuntime over `features` with no Telegram and no database: a memory store unless one is given. */
export const runtimeLayer = (features: ReadonlyArray<Feature<never>>, store: Layer.Layer<KeyValueStore> = KeyValueStore.layerMemory()) =>
  makeBotLayer(features).pipe(
    Layer.provideMerge(Layer.merge(store, CacheEvents.local)),
    Layer.provide(Layer.succeed(BotIdentity, { ...testBotUser, is_bot: true, has_topics_enabled: false, allows_users_to_create_topics: false, can_manage_bots: false, supports_join_request_queries: false })),
    Layer.provide(AppConfigTest({ BOT_TOKEN: "123456:test-token" }))
  )
