import { ChatAdmins, ChatSettings, JoinRequests, TelegramApi, text, Verification } from "@nezuko/core"
import { type ChatId, parseCallbackData } from "@nezuko/domain"
import { Effect, Option } from "effect"
import { Composer } from "grammy"
import type { Feature } from "../runtime/Feature.js"
import { BotIdentity } from "../BotIdentity.js"
import { confirmAnonymousAdmin } from "./anonymousAdmin.js"
import { callbackInput } from "./decode.js"
import { menuPage } from "./privateChat.js"
import type { EngineFeatureServices } from "./services.js"

/** Every button (BOT-34). Each path answers the query; unknown data gets "This button has expired." */
export const callbacksFeature: Feature<EngineFeatureServices> = (run) => {
  const composer = new Composer()
  composer.on("callback_query", async (ctx) => {
    const query = ctx.callbackQuery
    const input = callbackInput(query)
    const data = parseCallbackData(query.data)
    await run(ctx, Effect.gen(function* () {
      const verification = yield* Verification
      switch (data?._tag) {
        case "VerifyUser":
          return yield* verification.onVerifyButton(input, data.userId)
        case "VerifyPresser":
          return yield* verification.onVerifyPresser(input)
        case "JoinRequestVerify":
          // BOT-46 step 4: pressed in the requester's DM.
          return yield* Effect.flatMap(JoinRequests, (gate) => gate.onVerifyButton(input, data.groupId))
        case "AnonymousConfirm":
          return yield* confirmAnonymousAdmin(input, data.token)
        case "SettingsKey":
        case "SettingsClose": {
          const admins = yield* ChatAdmins
          if (input.chatId === null || input.messageId === null) return yield* verification.answer(input.queryId, text("button.expired"))
          if (!(yield* admins.isAuthorized(input.chatId, input.from.id))) return yield* verification.answer(input.queryId, text("admin.only_alert"), true)
          const telegram = yield* TelegramApi
          if (data._tag === "SettingsClose") {
            yield* verification.answer(input.queryId, "")
            return yield* Effect.ignore(telegram.deleteMessage({ chat_id: input.chatId, message_id: input.messageId }, { priority: 2, kind: "delete" }))
          }
          const view = yield* Effect.flatMap(ChatSettings, (s) => s.cycle(input.chatId as ChatId, data.key, input.from.id))
          yield* verification.answer(input.queryId, "")
          if (Option.isNone(view)) return
          // Edited in place, always resending the keyboard (BOT-18).
          return yield* Effect.ignore(telegram.editMessageText({
            chat_id: input.chatId, message_id: input.messageId, text: view.value.text, parse_mode: "HTML",
            reply_markup: { inline_keyboard: view.value.keyboard }
          }, { priority: 2, kind: "send" }))
        }
        case "MenuPage": {
          // BOT-9: answered without text, the message edited in place.
          const telegram = yield* TelegramApi
          const me = yield* BotIdentity
          yield* verification.answer(input.queryId, "")
          if (input.chatId === null || input.messageId === null) return
          const page = menuPage(data.page, input.from.firstName, me.username)
          return yield* Effect.ignore(telegram.editMessageText({
            chat_id: input.chatId, message_id: input.messageId, text: page.text, parse_mode: "HTML",
            link_preview_options: { is_disabled: true }, reply_markup: { inline_keyboard: page.keyboard }
          }, { priority: 2, kind: "send" }))
        }
        default:
          return yield* verification.answer(input.queryId, text("button.expired"))
      }
    }).pipe(
      Effect.catchAllCause((cause) =>
        Effect.zipRight(
          Effect.logError("callback handling failed", cause),
          // A query must be answered on every path, errors included (BOT-34).
          Effect.flatMap(TelegramApi, (t) => Effect.ignore(t.answerCallbackQuery({ callback_query_id: input.queryId }, { priority: 0, kind: "callback" })))
        ))
    ))
  })
  return composer
}
