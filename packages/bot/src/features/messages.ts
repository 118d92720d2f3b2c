import { Enforcement, GroupDirectory, TelegramApi } from "@nezuko/core"
import { ChatId } from "@nezuko/domain"
import { Effect, Option } from "effect"
import { Composer } from "grammy"
import type { Message, User } from "grammy/types"
import { BotIdentity } from "../BotIdentity.js"
import { type Feature, logHandlerFailure } from "../runtime/Feature.js"
import { askAnonymousAdmin } from "./anonymousAdmin.js"
import { adminCommands, commandChat, runCommand } from "./commands.js"
import { commandOf, isServiceMessage, joinsFromServiceMessage, messageInput } from "./decode.js"
import type { EngineFeatureServices } from "./services.js"

/** BOT-33: join and leave service messages go when the group's `delete_service_messages` says so (P2). */
const deleteIfAsked = (message: Message) =>
  Effect.gen(function* () {
    const snapshot = yield* Effect.flatMap(GroupDirectory, (d) => d.get(ChatId.make(message.chat.id)))
    if (Option.isNone(snapshot) || !snapshot.value.settings.deleteServiceMessages) return
    const telegram = yield* TelegramApi
    yield* Effect.ignore(telegram.deleteMessage({ chat_id: snapshot.value.chatId, message_id: message.message_id }, { priority: 2, kind: "delete" }))
  })

/**
 * Group messages: commands to this bot go to the command handler; everything else to enforcement (BOT-22);
 * `new_chat_members` is the fallback join signal (BOT-30) behind chat_member.
 */
export const messagesFeature: Feature<EngineFeatureServices> = (run) => {
  const composer = new Composer()
  composer.chatType(["group", "supergroup"]).on("message", async (ctx) => {
    const message: Message = ctx.msg
    const chatType = ctx.chat.type
    if (message.new_chat_members !== undefined) {
      return run(ctx, Effect.flatMap(Enforcement, (e) => Effect.forEach(joinsFromServiceMessage(message), (j) => e.onJoin(j), { discard: true })).pipe(
        Effect.zipRight(deleteIfAsked(message)),
        Effect.catchAllCause(logHandlerFailure("join (service message) failed"))
      ))
    }
    if (message.left_chat_member !== undefined) {
      return run(ctx, deleteIfAsked(message).pipe(Effect.catchAllCause(logHandlerFailure("leave (service message) failed"))))
    }
    if (message.from === undefined || isServiceMessage(message)) return
    const from: User = message.from
    await run(ctx, Effect.gen(function* () {
      const me = yield* BotIdentity
      const command = commandOf(message, me.username)
      const input = messageInput({ ...message, from }, chatType)
      if (command !== undefined) {
        const chat = commandChat(message)
        // BOT-6: a command sent as the group itself comes from an anonymous admin.
        if (input.senderChat !== null && input.senderChat.id === input.groupId && adminCommands.has(command.name)) {
          return yield* askAnonymousAdmin(input, chat, command)
        }
        return yield* runCommand(input, chat, command)
      }
      const enforcement = yield* Enforcement
      yield* enforcement.onMessage(input)
    }).pipe(Effect.catchAllCause(logHandlerFailure("message handling failed"))))
  })
  return composer
}
