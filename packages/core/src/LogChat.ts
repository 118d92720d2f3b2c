import { AlertRepo, MemberRepo } from "@nezuko/db"
import { callbackData, type ChannelId, type ChatId, type DecisionKind, type Trigger, type UserId } from "@nezuko/domain"
import { Clock, Duration, Effect, Option, Queue } from "effect"
import { GroupDirectory } from "./GroupDirectory.js"
import { TelegramApi } from "./TelegramApi.js"
import { channelLabel, mention, text, type TextKey } from "./Texts.js"

export interface LogChatEvent {
  readonly groupId: ChatId
  readonly userId: UserId
  readonly decision: DecisionKind
  readonly trigger: Trigger
  readonly reason: string | null
  readonly missingChannelIds: ReadonlyArray<ChannelId>
}

const templates: Partial<Record<DecisionKind, TextKey>> = { restrict: "log.restrict", verify: "log.verify", kick: "log.kick", ban: "log.ban" }

/**
 * Section 9's optional log chat: the decisions SPEC names (restrict, verify, kick, ban). A muted user writing
 * again (`already_pending`) is the same restriction, not a new one.
 */
export const isLogged = (decision: DecisionKind, reason: string | null | undefined) =>
  templates[decision] !== undefined && reason !== "already_pending"

/** Answers that mean the log chat is wrong (gone, the bot not in it or not allowed to post), not busy. */
const unreachable = new Set(["TelegramChatUnavailable", "TelegramMissingRights", "TelegramPermanent", "TelegramCannotMessageUser"])
/** One alert per group in this long, however many entries fail meanwhile (a raid against a dead log chat). */
const alertEvery = Duration.minutes(10)

/** Events waiting to be posted; beyond this (a raid against a slow log chat) new ones are dropped and counted. */
const capacity = 1_000

/**
 * Posts each restriction, verification, kick and ban to the group's `log_chat_id` (section 9), a restriction
 * with a "Release" button (`nz:r:<group>:<user>`, BOT-34). Best effort and never in a decision's way: the
 * decision only offers the event to a bounded queue, and one fiber posts them at P2, so moderation and
 * prompts always go first; a group without a log chat costs one look-up in the process's group copy.
 */
export class LogChat extends Effect.Service<LogChat>()("@nezuko/core/LogChat", {
  scoped: Effect.gen(function* () {
    const directory = yield* GroupDirectory
    const telegram = yield* TelegramApi
    const members = yield* MemberRepo
    const alerts = yield* AlertRepo
    const alertedAt = new Map<number, number>()
    const queue = yield* Queue.dropping<LogChatEvent>(capacity)
    let dropped = 0

    const post = (e: LogChatEvent) =>
      Effect.gen(function* () {
        const template = templates[e.decision]
        const group = yield* directory.get(e.groupId)
        if (template === undefined || Option.isNone(group)) return
        const g = group.value
        const logChatId = g.settings.logChatId
        if (logChatId === null) return
        const user = yield* members.findUser(e.userId).pipe(Effect.orElseSucceed(() => Option.none()))
        const missing = g.channels.filter((c) => e.missingChannelIds.includes(c.chatId))
        const body = text(template, {
          mention: mention(e.userId, Option.match(user, { onNone: () => String(e.userId), onSome: (u) => u.firstName })),
          group: g.title,
          trigger: e.trigger,
          channels: missing.length === 0 ? "—" : missing.map(channelLabel).join(", ")
        }, { language: g.settings.language })
        yield* telegram.sendMessage({
          chat_id: logChatId, text: body, parse_mode: "HTML", link_preview_options: { is_disabled: true },
          ...(e.decision === "restrict"
            ? { reply_markup: { inline_keyboard: [[{ text: text("log.release_button", {}, { language: g.settings.language }), callback_data: callbackData.logRelease(e.groupId, e.userId) }]] } }
            : {})
        }, { priority: 2, kind: "send" }).pipe(
          Effect.catchIf((error) => unreachable.has(error._tag), (error) => reportUnreachable(g.chatId, logChatId, error._tag))
        )
      }).pipe(Effect.catchAll((error) => Effect.logWarning(`posting to the log chat failed: ${error._tag}`)))

    // The admins learn it on the panel's alert list, where they set the log chat, instead of a log line per entry.
    const reportUnreachable = (groupId: ChatId, logChatId: number, error: string) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const last = alertedAt.get(groupId)
        if (last !== undefined && now - last < Duration.toMillis(alertEvery)) return
        alertedAt.set(groupId, now)
        yield* Effect.logWarning(`the log chat ${logChatId} of group ${groupId} is unreachable: ${error}`)
        yield* alerts.raise({
          kind: "log_chat_unreachable", severity: "warning", groupId: Number(groupId), channelId: null,
          message: `The bot cannot post to the log chat ${logChatId} (${error}); add it there with the right to post, or change the log chat id.`,
          details: { log_chat_id: logChatId, error }
        })
      })

    yield* Effect.forkScoped(Effect.forever(Effect.flatMap(Queue.take(queue), post)))

    /** Hands an event to the poster without waiting (called from every logged decision). */
    const offer = (event: LogChatEvent) =>
      Effect.suspend(() => {
        if (queue.unsafeOffer(event)) return Effect.void
        dropped++
        // The first drop of a burst and then every thousandth, so a raid cannot flood the logs about it either.
        return dropped % 1_000 === 1 ? Effect.logWarning(`log chat queue full: ${dropped} events dropped so far`) : Effect.void
      })

    return { offer } as const
  })
}) {}
