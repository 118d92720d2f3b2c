import { describe, it } from "@effect/vitest"
import { CacheEvents, Enforcement, GroupDirectory, KeyValueStore } from "@nezuko/core"
import { AppConfigTest, testBotUser } from "@nezuko/testing"
import { Context, Effect, Layer, Option } from "effect"
import { expect } from "vitest"
import { BotIdentity } from "../../src/BotIdentity.js"
import { messagesFeature } from "../../src/features/messages.js"
import type { Feature } from "../../src/runtime/Feature.js"
import { BotRuntime, makeBotLayer } from "../../src/runtime/BotRuntime.js"

const group = { id: -1001, type: "supergroup", title: "G" } as const
const from = { id: 70, is_bot: false, first_name: "U" }
const update = (updateId: number, fields: Record<string, unknown>) => ({
  update_id: updateId,
  message: { message_id: updateId, date: 0, chat: group, from, ...fields }
})

/** The messages feature over an engine that only records what reaches it. */
const recordingEngine = () => {
  const messages: Array<number> = []
  const joins: Array<number> = []
  const layer = Layer.succeed(Enforcement, Enforcement.make({
    onMessage: (m) => Effect.sync(() => void messages.push(m.messageId)),
    onJoin: (j) => Effect.sync(() => void joins.push(j.user.id))
  }))
  // An unknown group: BOT-33's clean-up of join and leave messages has no settings to act on.
  const directory = Layer.succeed(GroupDirectory, GroupDirectory.make({
    get: () => Effect.succeed(Option.none()),
    invalidate: () => Effect.void,
    isEnforced: () => false
  }))
  return { messages, joins, layer: Layer.merge(layer, directory) }
}

describe("the messages feature (BOT-22)", () => {
  it.live("hands ordinary messages to enforcement and keeps service messages away from it", () =>
    Effect.scoped(Effect.gen(function* () {
      const engine = recordingEngine()
      const bot = makeBotLayer([messagesFeature as Feature<Enforcement | GroupDirectory | BotIdentity>]).pipe(
        Layer.provideMerge(Layer.merge(KeyValueStore.layerMemory(), CacheEvents.local)),
        Layer.provide(engine.layer),
        Layer.provide(Layer.succeed(BotIdentity, { ...testBotUser, is_bot: true, has_topics_enabled: false, allows_users_to_create_topics: false, can_manage_bots: false, supports_join_request_queries: false })),
        Layer.provide(AppConfigTest({ BOT_TOKEN: "123456:test-token" }))
      )
      const { processUpdate } = Context.get(yield* Layer.build(bot), BotRuntime)
      yield* processUpdate(update(1, { text: "hello" }))
      yield* processUpdate(update(2, { photo: [{ file_id: "p", file_unique_id: "p", width: 1, height: 1 }] }))
      // A boost, a pinned message and a new topic are no one speaking: a non-subscriber is not muted for them.
      yield* processUpdate(update(3, { boost_added: { boost_count: 1 } }))
      yield* processUpdate(update(4, { pinned_message: { message_id: 1, date: 0, chat: group } }))
      yield* processUpdate(update(5, { forum_topic_created: { name: "t", icon_color: 0 } }))
      yield* processUpdate(update(6, { left_chat_member: from }))
      yield* processUpdate(update(7, { new_chat_members: [{ id: 71, is_bot: false, first_name: "N" }] }))
      expect(engine.messages).toEqual([1, 2])
      expect(engine.joins).toEqual([71])
    })))
})
