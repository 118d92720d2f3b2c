import { ChatAdmins, type CommandChat, Jobs, KeyValueStore, type MessageInput, TelegramApi, text, Verification } from "@nezuko/core"
import { type CallbackInput } from "@nezuko/core"
import { callbackData } from "@nezuko/domain"
import { Duration, Effect, Option, Random, Schema } from "effect"
import { type Command, runCommand } from "./commands.js"

const Stored = Schema.parseJson(Schema.Struct({
  chat: Schema.Struct({ id: Schema.Number, type: Schema.Literal("private", "group", "supergroup", "channel"), title: Schema.String, username: Schema.NullOr(Schema.String) }),
  threadId: Schema.NullOr(Schema.Number),
  messageId: Schema.Number,
  name: Schema.String,
  args: Schema.Array(Schema.String)
}))

const ttl = Duration.seconds(120)
const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

/**
 * BOT-6: an anonymous admin's command is kept for 120 s under a random token; the first authorized admin who
 * presses "tap to confirm" runs it as themself. Telegram hides who the anonymous admin is, so the presser is
 * the one the audit trail can name.
 */
export const askAnonymousAdmin = (input: MessageInput, chat: CommandChat, command: Command) =>
  Effect.gen(function* () {
    const store = yield* KeyValueStore
    const telegram = yield* TelegramApi
    const chars = yield* Effect.forEach(Array.from({ length: 8 }), () => Random.nextIntBetween(0, alphabet.length))
    const token = chars.map((i) => alphabet[i]).join("")
    yield* store.set(`anon:${token}`, Schema.encodeSync(Stored)({
      chat: { ...chat }, threadId: input.threadId, messageId: input.messageId, name: command.name, args: [...command.args]
    }), ttl)
    const ask = yield* telegram.sendMessage({
      chat_id: chat.id, text: text("anon.confirm", { command: command.name }), parse_mode: "HTML",
      reply_markup: { inline_keyboard: [[{ text: text("anon.confirm_button"), callback_data: callbackData.anonymous(token) }]] },
      ...(input.threadId === null ? {} : { message_thread_id: input.threadId })
    }, { priority: 2, kind: "send" })
    // BOT-8: nothing stays behind when nobody confirms; the question and the command go when the token expires
    // (a confirmed command's own reply and clean-up follow BOT-8 as usual).
    yield* Effect.flatMap(Jobs, (jobs) => jobs.scheduleAutoDelete(chat.id, [input.messageId, ask.message_id], ttl)).pipe(
      Effect.catchAll((e) => Effect.logWarning(`could not schedule the confirmation's clean-up: ${e._tag}`))
    )
  })

export const confirmAnonymousAdmin = (q: CallbackInput, token: string) =>
  Effect.gen(function* () {
    const store = yield* KeyValueStore
    const verification = yield* Verification
    const stored = yield* store.get(`anon:${token}`).pipe(
      Effect.map(Option.flatMap(Schema.decodeUnknownOption(Stored))),
      Effect.orElseSucceed(() => Option.none())
    )
    if (Option.isNone(stored)) return yield* verification.answer(q.queryId, text("anon.expired"), true)
    const saved = stored.value
    const admins = yield* ChatAdmins
    const chat = saved.chat as CommandChat
    if (!(yield* admins.isAuthorized(chat.id, q.from.id))) return yield* verification.answer(q.queryId, text("anon.only_admins"), true)
    // The first authorized press wins. The claim is one SET NX: two admins pressing at once both found the
    // token, and reading then removing it let both run the command. Redis down: the read above already failed.
    const won = yield* store.setIfAbsent(`anon:${token}:claimed`, q.from.id.toString(), ttl).pipe(Effect.orElseSucceed(() => true))
    if (!won) return yield* verification.answer(q.queryId, text("anon.expired"), true)
    yield* store.remove(`anon:${token}`)
    yield* verification.answer(q.queryId, "")
    if (q.messageId !== null) {
      const telegram = yield* TelegramApi
      yield* Effect.ignore(telegram.deleteMessage({ chat_id: chat.id, message_id: q.messageId }, { priority: 2, kind: "delete" }))
    }
    const input: MessageInput = {
      groupId: chat.id, chatType: chat.type === "group" ? "group" : "supergroup", messageId: saved.messageId, threadId: saved.threadId,
      from: q.from, senderChat: null, isAutomaticForward: false
    }
    yield* runCommand(input, chat, { name: saved.name, args: saved.args })
  })
