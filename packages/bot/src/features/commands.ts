import {
  ChatAdmins, ChatSettings, type CommandChat, Enforcement, GroupDirectory, GroupProtection, Jobs, KeyValueStore, type MessageInput,
  ProtectRefused, TelegramApi, text
} from "@nezuko/core"
import { RestrictionRepo } from "@nezuko/db"
import { ChatId, defaultSettings } from "@nezuko/domain"
import { Duration, Effect, Option } from "effect"
import type { InlineKeyboardMarkup, Message } from "grammy/types"
import { BotIdentity } from "../BotIdentity.js"

export const adminCommands = new Set(["protect", "unprotect", "status", "settings", "whitelist", "release"])

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

const settingsLifetime = Duration.seconds(300)
const refusalLifetime = Duration.seconds(10)

/**
 * BOT-8: a reply to a command, then both the command and the reply deleted by durable jobs after the group's
 * `admin_reply_ttl_seconds` (or `lifetime`); 0 keeps them, and private chats are never cleaned up.
 */
const replyAndClean = (input: MessageInput, html: string, options: { readonly markup?: InlineKeyboardMarkup; readonly lifetime?: Duration.Duration } = {}) =>
  Effect.gen(function* () {
    const telegram = yield* TelegramApi
    const sent = yield* telegram.sendMessage({
      chat_id: input.groupId, text: html, parse_mode: "HTML", link_preview_options: { is_disabled: true },
      ...(options.markup ? { reply_markup: options.markup } : {}),
      ...(input.threadId === null ? {} : { message_thread_id: input.threadId })
    }, { priority: 2, kind: "send" })
    const snapshot = yield* Effect.flatMap(GroupDirectory, (d) => d.get(input.groupId)).pipe(Effect.orElseSucceed(() => Option.none()))
    const ttl = options.lifetime ?? Duration.seconds(Option.match(snapshot, {
      onNone: () => defaultSettings.adminReplyTtlSeconds,
      onSome: (g) => g.settings.adminReplyTtlSeconds
    }))
    yield* Effect.flatMap(Jobs, (jobs) => jobs.scheduleAutoDelete(input.groupId, [input.messageId, sent.message_id], ttl))
  }).pipe(Effect.catchAll((e) => Effect.logWarning(`command reply failed: ${e._tag}`)))

/**
 * Commands in groups (BOT-5 to BOT-17). An admin command from someone who may not run it goes through
 * enforcement like any message; if they may speak, it is deleted with one short reply per 5 minutes (BOT-7).
 */
export const runCommand = (input: MessageInput, chat: CommandChat, command: Command) =>
  Effect.gen(function* () {
    if (command.name === "help" || command.name === "start") {
      yield* Effect.flatMap(Enforcement, (e) => e.onMessage(input))
      const me = yield* BotIdentity
      // BOT-9/BOT-10: a short version in groups, with a button into the private chat.
      return yield* command.name === "help"
        ? replyAndClean(input, text("help.group"), { markup: { inline_keyboard: [[{ text: text("help.private_button"), url: `https://t.me/${me.username}?start=setup` }]] } })
        : replyAndClean(input, "Admins: use /protect @channel")
    }
    if (!adminCommands.has(command.name)) return yield* Effect.flatMap(Enforcement, (e) => e.onMessage(input))
    const admins = yield* ChatAdmins
    const authorized = yield* admins.isAuthorized(input.groupId, input.from.id).pipe(Effect.orElseSucceed(() => false))
    if (!authorized && chat.type === "supergroup") return yield* notAdmin(input, command.name)
    if (command.name === "settings") {
      const view = yield* Effect.flatMap(ChatSettings, (s) => s.view(input.groupId))
      return yield* replyAndClean(input, view.text, { markup: { inline_keyboard: view.keyboard }, lifetime: settingsLifetime })
    }
    const protection = yield* GroupProtection
    const work = command.name === "protect"
      ? protection.protect(chat, input.from.id, command.args)
      : command.name === "unprotect"
      ? protection.unprotect(chat, input.from.id, command.args[0] ?? null)
      : command.name === "status"
      ? protection.status(chat, input.from.id)
      : Effect.succeed(`/${command.name} arrives with the next release.`)
    const outcome = yield* Effect.either(work)
    if (outcome._tag === "Right") return yield* replyAndClean(input, outcome.right)
    const failure = outcome.left
    if (failure instanceof ProtectRefused && failure.reply.startsWith("Only admins")) return yield* notAdmin(input, command.name)
    yield* Effect.logInfo(`/${command.name} refused: ${failure._tag}`)
    yield* replyAndClean(input, failure instanceof ProtectRefused ? failure.reply : "Telegram did not answer in time; please try again in a minute.")
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
    if (first) yield* replyAndClean(input, text("admin.only", { command: name }), { lifetime: refusalLifetime })
  })
