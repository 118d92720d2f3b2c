import { ChannelEvents, Enforcement, MemberChanges } from "@nezuko/core"
import { ChatId } from "@nezuko/domain"
import { BotIdentity } from "../BotIdentity.js"
import { Effect } from "effect"
import { Composer } from "grammy"
import { type Feature, logHandlerFailure } from "../runtime/Feature.js"
import { channelMemberInput, joinFromChatMember, toSender } from "./decode.js"
import type { EngineFeatureServices } from "./services.js"

/** chat_member updates: joins (BOT-30) and other admins' changes (BOT-33, BOT-39) in groups; leaves and rejoins in channels (BOT-40, BOT-41). */
export const membersFeature: Feature<EngineFeatureServices> = (run) => {
  const composer = new Composer()
  composer.on("chat_member", async (ctx) => {
    const update = ctx.chatMember
    await run(ctx, Effect.gen(function* () {
      if (update.chat.type === "channel") {
        const events = yield* ChannelEvents
        return yield* events.onChannelMember(channelMemberInput(update))
      }
      const join = joinFromChatMember(update)
      if (join !== undefined) return yield* Effect.flatMap(Enforcement, (e) => e.onJoin(join))
      const me = yield* BotIdentity
      const changes = yield* MemberChanges
      yield* changes.onChange({
        groupId: ChatId.make(update.chat.id),
        user: toSender(update.new_chat_member.user),
        byBot: update.from.id === me.id,
        oldMember: update.old_chat_member,
        newMember: update.new_chat_member
      })
    }).pipe(Effect.catchAllCause(logHandlerFailure("chat_member handling failed"))))
  })
  return composer
}
