import { JoinRequests } from "@nezuko/core"
import { ChatId } from "@nezuko/domain"
import { Effect } from "effect"
import { Composer } from "grammy"
import { type Feature, logHandlerFailure } from "../runtime/Feature.js"
import { toSender } from "./decode.js"
import type { EngineFeatureServices } from "./services.js"

/** chat_join_request: the join-request gate (BOT-46, BOT-47); the "I've joined" press is in callbacks.ts. */
export const joinRequestsFeature: Feature<EngineFeatureServices> = (run) => {
  const composer = new Composer()
  composer.on("chat_join_request", async (ctx) => {
    const request = ctx.chatJoinRequest
    await run(ctx, Effect.flatMap(JoinRequests, (gate) => gate.onRequest({
      groupId: ChatId.make(request.chat.id),
      user: toSender(request.from),
      userChatId: request.user_chat_id,
      date: request.date
    })).pipe(Effect.catchAllCause(logHandlerFailure("chat_join_request handling failed"))))
  })
  return composer
}
