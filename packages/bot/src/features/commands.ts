import { ChatAdmins, ChatSettings, type CommandChat, Enforcement, GroupProtection, KeyValueStore, type MessageInput, ProtectRefused, TelegramApi, text } from "@nezuko/core"
import { ChatId } from "@nezuko/domain"
import { RestrictionRepo } from "@nezuko/db"
import { Duration, Effect, Option } from "effect"
import type { Message } from "grammy/types"
import { BotIdentity } from "../BotIdentity.js"

export const adminCommands = new Set(["protect", "unprotect", "status", "settings", "whitelist", "release"])

const reply = (chatId: number, html: string, threadId: number | null) =>
  Effect.flatMap(TelegramApi, (t) => t.sendMessage({
    chat_id: chatId, text: html, parse_mode: "HTML", link_preview_options: { is_disabled: true },
    ...(threadId === null ? {} : { message_thread_id: threadId })
  }, { priority: 2, kind: "send" }))

/**
 * Commands in groups (BOT-5 to BOT-17). An admin command from someone who may not run it goes through
 * enforcement like any message; if they may speak, it is deleted with one short reply per 5 minutes (BOT-7).
 */
export interface Command {
  readonly name: string
  readonly args: ReadonlyArray<string>
}

export const commandChat = (message: Message): CommandChat => ({
  id: ChatId.make(message.chat.id),
  type: message.chat.type,
  title: ("title" in message.chat ? message.chat.title : undefined) ?? "",
  username: "username" in message.chat ? message.chat.username ?? null : null
})

export const runCommand = (input: MessageInput, chat: CommandChat, command: Command) =>
  Effect.gen(function* () {
    if (command.name === "help" || command.name === "start") {
      yield* Effect.flatMap(Enforcement, (e) => e.onMessage(input))
      const me = yield* BotIdentity
      const telegram = yield* TelegramApi
      // BOT-9/BOT-10: a short version in groups, with a button into the private chat.
      return yield* Effect.ignore(telegram.sendMessage({
        chat_id: input.groupId, text: command.name === "help" ? text("help.group") : "Admins: use /protect @channel",
        parse_mode: "HTML", ...(input.threadId === null ? {} : { message_thread_id: input.threadId }),
        ...(command.name === "help" ? { reply_markup: { inline_keyboard: [[{ text: text("help.private_button"), url: `https://t.me/${me.username}?start=setup` }]] } } : {})
      }, { priority: 2, kind: "send" }))
    }
    if (!adminCommands.has(command.name)) return yield* Effect.flatMap(Enforcement, (e) => e.onMessage(input))
    const protection = yield* GroupProtection
    if (command.name === "settings") return yield* settingsCommand(input, command.name)
    const work = command.name === "protect"
      ? protection.protect(chat, input.from.id, command.args)
      : command.name === "unprotect"
      ? protection.unprotect(chat, input.from.id, command.args[0] ?? null)
      : command.name === "status"
      ? protection.status(chat, input.from.id)
      : Effect.succeed(`/${command.name} arrives with the next release.`)
    const outcome = yield* Effect.either(work)
    if (outcome._tag === "Right") return yield* Effect.ignore(reply(input.groupId, outcome.right, input.threadId))
    const failure = outcome.left
    if (failure instanceof ProtectRefused && failure.reply.startsWith("Only admins")) return yield* notAdmin(input, command.name)
    const html = failure instanceof ProtectRefused ? failure.reply : "Telegram did not answer in time; please try again in a minute."
    yield* Effect.logInfo(`/${command.name} refused: ${failure._tag}`)
    yield* Effect.ignore(reply(input.groupId, html, input.threadId))
  })

/** /settings posts the keyboard of BOT-18 (admins only, like every admin command). */
const settingsCommand = (input: MessageInput, name: string) =>
  Effect.gen(function* () {
    const admins = yield* ChatAdmins
    if (!(yield* admins.isAuthorized(input.groupId, input.from.id))) return yield* notAdmin(input, name)
    const view = yield* Effect.flatMap(ChatSettings, (s) => s.view(input.groupId))
    const telegram = yield* TelegramApi
    yield* Effect.ignore(telegram.sendMessage({
      chat_id: input.groupId, text: view.text, parse_mode: "HTML", reply_markup: { inline_keyboard: view.keyboard },
      ...(input.threadId === null ? {} : { message_thread_id: input.threadId })
    }, { priority: 2, kind: "send" }))
  })

const notAdmin = (input: MessageInput, name: string) =>
  Effect.gen(function* () {
    yield* Effect.flatMap(Enforcement, (e) => e.onMessage(input))
    const restrictions = yield* RestrictionRepo
    if (Option.isSome(yield* restrictions.findPending(input.groupId, input.from.id))) return
    const telegram = yield* TelegramApi
    yield* Effect.ignore(telegram.deleteMessage({ chat_id: input.groupId, message_id: input.messageId }, { priority: 2, kind: "delete" }))
    const store = yield* KeyValueStore
    const first = yield* store.setIfAbsent(`deny:${input.groupId}:${input.from.id}`, "1", Duration.minutes(5)).pipe(Effect.orElseSucceed(() => true))
    if (first) yield* Effect.ignore(reply(input.groupId, text("admin.only", { command: name }), input.threadId))
  })
