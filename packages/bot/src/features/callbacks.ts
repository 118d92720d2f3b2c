import { AdminReleases, ChatAdmins, ChatSettings, gateLinkWire, JoinRequests, mention, TelegramApi, text, Verification } from "@nezuko/core"
import { type ChatId, parseCallbackData } from "@nezuko/domain"
import { Effect, Either, Option } from "effect"
import { Composer } from "grammy"
import type { InlineKeyboardButton } from "grammy/types"
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
          const settings = yield* ChatSettings
          // Edited in place, always resending the keyboard (BOT-18).
          const show = (view: { readonly text: string; readonly keyboard: Array<Array<InlineKeyboardButton>> }) =>
            Effect.ignore(telegram.editMessageText({
              chat_id: input.chatId as ChatId, message_id: input.messageId as number, text: view.text, parse_mode: "HTML",
              reply_markup: { inline_keyboard: view.keyboard }
            }, { priority: 2, kind: "send" }))
          if (data.key === gateLinkWire) {
            // BOT-46: the link goes under the settings' title, where the admin who asked for it is looking.
            const created = yield* settings.createGateLink(input.chatId, input.from.id)
            if (Either.isLeft(created)) return yield* verification.answer(input.queryId, created.left, true)
            yield* verification.answer(input.queryId, "")
            return yield* show(created.right)
          }
          const view = yield* settings.cycle(input.chatId, data.key, input.from.id)
          yield* verification.answer(input.queryId, "")
          if (Option.isSome(view)) yield* show(view.value)
          return
        }
        case "LogRelease": {
          // BOT-34: pressed in the log chat (section 9) by an authorized admin of the group the user is muted in.
          const admins = yield* ChatAdmins
          if (!(yield* admins.isAuthorized(data.groupId, input.from.id))) return yield* verification.answer(input.queryId, text("admin.only_alert"), true)
          const { released } = yield* Effect.flatMap(AdminReleases, (r) => r.releaseUser(data.groupId, input.from.id, data.userId))
          yield* verification.answer(input.queryId, text(released ? "log.released" : "log.nothing_to_release"), !released)
          if (!released || input.chatId === null || input.messageId === null) return
          // The button has done its work; a reply under the entry says who pressed it, for the next admin reading.
          const telegram = yield* TelegramApi
          yield* Effect.ignore(telegram.editMessageReplyMarkup({ chat_id: input.chatId, message_id: input.messageId, reply_markup: { inline_keyboard: [] } }, { priority: 2, kind: "send" }))
          return yield* Effect.ignore(telegram.sendMessage({
            chat_id: input.chatId, parse_mode: "HTML", text: text("log.released_by", { mention: mention(input.from.id, input.from.firstName) }),
            reply_parameters: { message_id: input.messageId, allow_sending_without_reply: true }
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
