import {
  AdminReleases, ChatAdmins, ChatSettings, type CommandChat, Enforcement, GroupDirectory, GroupProtection, Jobs, KeyValueStore,
  type MessageInput, parseUserRef, ProtectRefused, TelegramApi, text, type UserRef
} from "@nezuko/core"
import { RestrictionRepo } from "@nezuko/db"
import { ChatId, defaultSettings, type UserId } from "@nezuko/domain"
import { Duration, Effect, Option } from "effect"
import type { InlineKeyboardMarkup, Message } from "grammy/types"
import { BotIdentity } from "../BotIdentity.js"

export const adminCommands = new Set(["protect", "unprotect", "status", "settings", "whitelist", "release"])

export interface Command {
  readonly name: string
  readonly args: ReadonlyArray<string>
  /** The sender of the message the command replies to, if any (BOT-19, BOT-20). */
  readonly replyTo?: UserId
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

/** BOT-54: at most this many commands per user per group in a fixed one-minute window. */
export const commandsPerMinute = 5
const commandWindow = Duration.minutes(1)

/** BOT-54's counter (`flood:cmd:<group>:<user>`, a fixed window); a store that fails lets the command through. */
const withinCommandBudget = (input: MessageInput) =>
  Effect.flatMap(KeyValueStore, (store) => store.increment(`flood:cmd:${input.groupId}:${input.from.id}`, commandWindow)).pipe(
    Effect.map((count) => count <= commandsPerMinute),
    Effect.orElseSucceed(() => true)
  )

/**
 * Commands in groups (BOT-5 to BOT-17). An admin command from someone who may not run it goes through
 * enforcement like any message; if they may speak, it is deleted with one short reply per 5 minutes (BOT-7).
 */
export const runCommand = (input: MessageInput, chat: CommandChat, command: Command) =>
  Effect.gen(function* () {
    // BOT-54: an excess command is not run; the message is still an ordinary message (enforcement applies).
    if (!(yield* withinCommandBudget(input))) {
      yield* Effect.logDebug(`/${command.name} ignored: more than ${commandsPerMinute} commands in a minute`).pipe(
        Effect.annotateLogs("event", "command.flood")
      )
      return yield* Effect.flatMap(Enforcement, (e) => e.onMessage(input))
    }
    if (command.name === "help" || command.name === "start") {
      yield* Effect.flatMap(Enforcement, (e) => e.onMessage(input))
      const me = yield* BotIdentity
      // BOT-9/BOT-10: a short version in groups, with a button into the private chat.
      return yield* command.name === "help"
        ? replyAndClean(input, text("help.group"), { markup: { inline_keyboard: [[{ text: text("help.private_button"), url: `https://t.me/${me.username}?start=setup` }]] } })
        : replyAndClean(input, text("start.group"))
    }
    if (!adminCommands.has(command.name)) return yield* Effect.flatMap(Enforcement, (e) => e.onMessage(input))
    const admins = yield* ChatAdmins
    const authorized = yield* admins.isAuthorized(input.groupId, input.from.id).pipe(Effect.orElseSucceed(() => false))
    // BOT-5 in every group. The one exception is /protect in a basic group, whose answer (BOT-13 step 2: a
    // supergroup is needed) comes before the authorization check and tells anyone the same thing.
    if (!authorized && !(command.name === "protect" && chat.type === "group")) return yield* notAdmin(input, command.name)
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
      : manualCommand(input, command)
    const outcome = yield* Effect.either(work)
    if (outcome._tag === "Right") return yield* replyAndClean(input, outcome.right)
    const failure = outcome.left
    if (failure instanceof ProtectRefused && failure.notAdmin === true) return yield* notAdmin(input, command.name)
    yield* Effect.logInfo(`/${command.name} refused: ${failure._tag}`)
    yield* replyAndClean(input, failure instanceof ProtectRefused ? failure.reply : text("command.failed"))
  })

/** The command's user: an explicit argument first, else the replied-to message's sender. */
const targetOf = (arg: string | undefined, replyTo: UserId | undefined): Option.Option<UserRef> | "invalid" =>
  arg !== undefined
    ? Option.match(parseUserRef(arg), { onNone: () => "invalid" as const, onSome: Option.some })
    : replyTo === undefined ? Option.none() : Option.some({ _tag: "Id", id: replyTo })

/** Resolves the target and runs `then`, or explains why there is nobody to act on. */
const withTarget = <E, R>(ref: Option.Option<UserRef> | "invalid", usage: string, then: (userId: UserId) => Effect.Effect<string, E, R>) =>
  Effect.gen(function* () {
    if (ref === "invalid" || Option.isNone(ref)) return usage
    const userId = yield* Effect.flatMap(AdminReleases, (r) => r.resolve(ref.value))
    if (Option.isNone(userId)) {
      return ref.value._tag === "Username"
        ? text("target.unknown", { username: ref.value.username })
        : usage
    }
    return yield* then(userId.value)
  })

/** `/whitelist [add|remove] [user]` (BOT-19) and `/release <user|all>` (BOT-20); authorization is checked by the caller. */
const manualCommand = (input: MessageInput, command: Command) =>
  Effect.gen(function* () {
    const releases = yield* AdminReleases
    const [first, ...rest] = command.args
    const verb = first?.toLowerCase()
    if (command.name === "release") {
      if (verb === "all") return yield* releases.releaseAll(input.groupId, input.from.id)
      return yield* withTarget(targetOf(first, command.replyTo), text("release.usage"), (userId) => releases.release(input.groupId, input.from.id, userId))
    }
    if (verb === undefined && command.replyTo === undefined) return yield* releases.list(input.groupId)
    const explicit = verb === "add" || verb === "remove"
    const target = targetOf(explicit ? rest[0] : first, command.replyTo)
    return yield* withTarget(target, text("whitelist.usage"), (userId) =>
      verb === "remove" ? releases.remove(input.groupId, input.from.id, userId) : releases.add(input.groupId, input.from.id, userId))
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
