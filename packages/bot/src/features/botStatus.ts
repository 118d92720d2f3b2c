import { BotStatus, botRightsOf, isBotPresent } from "@nezuko/core"
import { ChannelId, ChatId } from "@nezuko/domain"
import { Effect } from "effect"
import { Composer } from "grammy"
import { type Feature, logHandlerFailure } from "../runtime/Feature.js"
import type { EngineFeatureServices } from "./services.js"

/** my_chat_member: the bot's own status in groups (BOT-42) and channels (BOT-43); private chats are ignored. */
export const botStatusFeature: Feature<EngineFeatureServices> = (run) => {
  const composer = new Composer()
  composer.on("my_chat_member", async (ctx) => {
    const update = ctx.myChatMember
    const chat = update.chat
    if (chat.type === "private") return
    await run(ctx, Effect.gen(function* () {
      const status = yield* BotStatus
      const rights = botRightsOf(update.new_chat_member)
      if (chat.type === "channel") return yield* status.onChannel({ channelId: ChannelId.make(chat.id), rights })
      yield* status.onGroup({
        groupId: ChatId.make(chat.id),
        type: chat.type,
        title: chat.title,
        username: "username" in chat && typeof chat.username === "string" ? chat.username : null,
        rights,
        wasPresent: isBotPresent(botRightsOf(update.old_chat_member))
      })
    }).pipe(Effect.catchAllCause(logHandlerFailure("my_chat_member handling failed"))))
  })
  return composer
}
