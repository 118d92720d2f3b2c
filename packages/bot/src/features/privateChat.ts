import { TelegramApi, text } from "@nezuko/core"
import { callbackData } from "@nezuko/domain"
import { Effect } from "effect"
import { Composer } from "grammy"
import type { InlineKeyboardButton } from "grammy/types"
import { BotIdentity } from "../BotIdentity.js"
import type { Feature } from "../runtime/Feature.js"
import { adminCommands } from "./commands.js"
import { commandOf } from "./decode.js"
import type { EngineFeatureServices } from "./services.js"

export type MenuPage = "home" | "setup" | "how" | "cmds"

/** The private-chat menu of BOT-9: the greeting with its keyboard, or one sub-page with "Back". */
export const menuPage = (page: MenuPage, firstName: string, botUsername: string) => {
  if (page === "home") {
    const keyboard: Array<Array<InlineKeyboardButton>> = [
      [{ text: text("start.add_button"), url: `https://t.me/${botUsername}?startgroup=setup&admin=restrict_members+delete_messages+invite_users` }],
      [{ text: text("start.setup_button"), callback_data: callbackData.menu("setup") }],
      [{ text: text("start.how_button"), callback_data: callbackData.menu("how") }],
      [{ text: text("start.cmds_button"), callback_data: callbackData.menu("cmds") }]
    ]
    return { text: text("start.greeting", { first_name: firstName }), keyboard }
  }
  return { text: text(`menu.${page}`), keyboard: [[{ text: text("menu.back"), callback_data: callbackData.menu("home") }]] }
}

/** Private chats: /start with the menu, /help, the channel-id helper for forwarded posts (BOT-9, BOT-10, BOT-21). */
export const privateChatFeature: Feature<EngineFeatureServices> = (run) => {
  const composer = new Composer()
  composer.chatType("private").on("message", async (ctx) => {
    const message = ctx.msg
    await run(ctx, Effect.gen(function* () {
      const telegram = yield* TelegramApi
      const me = yield* BotIdentity
      const send = (html: string, keyboard?: Array<Array<InlineKeyboardButton>>) =>
        Effect.ignore(telegram.sendMessage({
          chat_id: message.chat.id, text: html, parse_mode: "HTML", link_preview_options: { is_disabled: true },
          ...(keyboard ? { reply_markup: { inline_keyboard: keyboard } } : {})
        }, { priority: 2, kind: "send" }))
      const origin = message.forward_origin
      if (origin?.type === "channel") {
        return yield* send(text("forward.channel", { title: origin.chat.title ?? "", id: origin.chat.id }))
      }
      const command = commandOf(message, me.username)
      if (command?.name === "start") {
        const page = menuPage(command.args[0] === "setup" ? "setup" : "home", message.from.first_name, me.username)
        return yield* send(page.text, page.keyboard)
      }
      if (command?.name === "help") return yield* send(text("help.private"))
      // BOT-13 step 1 (and the other admin commands): they act on a group.
      if (command !== undefined && adminCommands.has(command.name)) return yield* send(text("private.groups_only"))
      yield* send(text("private.pointer"))
    }).pipe(Effect.catchAllCause((cause) => Effect.logError("private message failed", cause))))
  })
  return composer
}
