import { RestrictionRepo } from "@nezuko/db"
import type { ChatId, Restriction, Trigger, UserId } from "@nezuko/domain"
import { Clock, Duration, Effect, Option } from "effect"
import { Decisions } from "./Decisions.js"
import { GroupDirectory, type GroupSnapshot } from "./GroupDirectory.js"
import type { CallbackInput } from "./Inputs.js"
import { Jobs } from "./Jobs.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { Membership } from "./Membership.js"
import { missingAlert, promptKeyboard } from "./Prompts.js"
import { Protection } from "./Protection.js"
import type { Priority } from "./RateLimiter.js"
import { UnmuteRetries } from "./Reconcile.js"
import { TelegramApi } from "./TelegramApi.js"
import { text } from "./Texts.js"
import { timeoutDedupeKey } from "./TimeoutRules.js"
import { callbackData } from "@nezuko/domain"

/**
 * The verify buttons (BOT-34, BOT-35, BOT-37) and the release path every flow shares: re-check, restore the
 * user's own earlier permissions or the group's defaults (BOT-36), delete the prompt, close the record.
 */
export class Verification extends Effect.Service<Verification>()("@nezuko/core/Verification", {
  effect: Effect.gen(function* () {
    const telegram = yield* TelegramApi
    const store = yield* KeyValueStore
    const directory = yield* GroupDirectory
    const membership = yield* Membership
    const restrictions = yield* RestrictionRepo
    const protection = yield* Protection
    const unmute = yield* UnmuteRetries
    const decisions = yield* Decisions
    const jobs = yield* Jobs

    const answer = (queryId: string, message: string, alert = false) =>
      Effect.ignore(telegram.answerCallbackQuery({ callback_query_id: queryId, text: message, show_alert: alert }, { priority: 0, kind: "callback" }))

    /** Deletes the record's prompt unless it is a combined one that still names another pending user (LIM-9). */
    const deletePromptOf = (record: Restriction) =>
      Effect.gen(function* () {
        if (record.promptMessageId === null) return
        if ((yield* restrictions.pendingWithPrompt(record.groupId, record.promptMessageId)) > 0) return
        yield* Effect.ignore(protection.deleteMessage(record.groupId, record.promptMessageId, 2))
      })

    /** Closes a record as verified, restores, deletes the prompt; used by the button, rejoin and timeouts. */
    const release = Effect.fn("Verification.release")(function* (record: Restriction, trigger: Trigger, by: string, startedAt: number, cached: boolean) {
      const closed = yield* restrictions.close(record.id, "verified", by)
      if (!closed) return false
      // The timeout job (BOT-38) has nothing left to do; it would also find the record closed.
      if (trigger !== "timeout") yield* Effect.ignore(jobs.cancel(timeoutDedupeKey(record.id)))
      yield* unmute.restore(record, 0)
      yield* deletePromptOf(record)
      yield* decisions.record({ groupId: record.groupId, userId: record.userId, trigger, decision: "verify", channelIds: record.missingChannelIds, cached, startedAt })
      return true
    })

    /**
     * Closes a record as released — someone's decision, not a verification: /release, /whitelist, the panel,
     * /unprotect — then cancels its deadline, restores (retried if Telegram fails, LIM-8), deletes the prompt
     * and logs the release. False when another path closed it first.
     */
    const releaseRecord = Effect.fn("Verification.releaseRecord")(function* (record: Restriction, by: string, reason: string, priority: Priority) {
      const startedAt = yield* Clock.currentTimeMillis
      if (!(yield* restrictions.close(record.id, "released", by))) return false
      yield* Effect.ignore(jobs.cancel(timeoutDedupeKey(record.id)))
      yield* unmute.restore(record, priority)
      yield* deletePromptOf(record)
      yield* decisions.record({
        groupId: record.groupId, userId: record.userId, trigger: "manual", decision: "release", reason, channelIds: record.missingChannelIds, startedAt
      })
      return true
    })

    /** Fresh checks at P0 within 5 s (BOT-35 steps 4–7). */
    const recheck = (g: GroupSnapshot, userId: UserId) =>
      Effect.gen(function* () {
        const channels = g.channels.filter((c) => c.health !== "unverifiable")
        yield* membership.forget(channels.map((c) => c.chatId), userId)
        const checks = yield* membership.checkAll(channels.map((c) => c.chatId), userId, { bypassCache: true, priority: 0 })
        if (checks.some((c) => c.result === "unknown")) return Option.none()
        const missing = channels.filter((c) => checks.some((k) => k.channelId === c.chatId && k.result === "not_member"))
        return Option.some(missing)
      }).pipe(Effect.timeout(Duration.seconds(5)), Effect.orElseSucceed(() => Option.none()))

    const verifyUser = (q: CallbackInput, groupId: ChatId, target: UserId) =>
      Effect.gen(function* () {
        const startedAt = yield* Clock.currentTimeMillis
        // Step 1: someone else's button changes nothing and makes no other call.
        if (q.from.id !== target) return yield* answer(q.queryId, text("verify.not_for_you"), true)
        // Step 2.
        const fresh = yield* store.setIfAbsent(`cool:v:${target}`, "1", Duration.seconds(5)).pipe(Effect.orElseSucceed(() => true))
        if (!fresh) return yield* answer(q.queryId, text("verify.cooldown"))
        // Step 3.
        const pending = yield* restrictions.findPending(groupId, target)
        if (Option.isNone(pending)) {
          yield* answer(q.queryId, text("verify.all_set"))
          if (q.messageId !== null) yield* Effect.ignore(protection.deleteMessage(groupId, q.messageId, 2))
          return
        }
        const snapshot = yield* directory.get(groupId)
        if (Option.isNone(snapshot)) return yield* answer(q.queryId, text("verify.all_set"))
        const result = yield* recheck(snapshot.value, target)
        // Step 7: Telegram too slow or unavailable: nothing changes.
        if (Option.isNone(result)) return yield* answer(q.queryId, text("verify.slow"), true)
        const missing = result.value
        const record = pending.value
        if (missing.length > 0) {
          yield* answer(q.queryId, missingAlert(missing.map((c) => c.title)), true)
          const before = new Set(record.missingChannelIds.map(Number))
          if (before.size !== missing.length || missing.some((c) => !before.has(Number(c.chatId)))) {
            yield* restrictions.update(record.id, { missingChannelIds: missing.map((c) => c.chatId) })
            // Only a prompt of this user's own: a combined one (BOT-37, BOT-48) serves others still pending, whose
            // `nz:vp` button would otherwise become this user's button.
            if (record.promptMessageId !== null && (yield* restrictions.pendingWithPrompt(groupId, record.promptMessageId)) <= 1) {
              yield* Effect.ignore(telegram.editMessageReplyMarkup({
                chat_id: groupId, message_id: record.promptMessageId,
                reply_markup: { inline_keyboard: promptKeyboard(missing, callbackData.verify(target), snapshot.value.settings) }
              }, { priority: 2, kind: "send" }))
            }
          }
          return yield* decisions.record({ groupId, userId: target, trigger: "button", decision: "still_missing", channelIds: snapshot.value.channels.map((c) => c.chatId), missingChannelIds: missing.map((c) => c.chatId), cached: false, startedAt })
        }
        // Step 6: answer first (the query expires), then restore.
        yield* answer(q.queryId, text("verify.ok"))
        yield* release(record, "button", `user:${target}`, startedAt, false)
      })

    const onVerifyButton = Effect.fn("Verification.onVerifyButton")(function* (q: CallbackInput, target: UserId) {
      if (q.chatId === null) return yield* answer(q.queryId, text("button.expired"))
      yield* verifyUser(q, q.chatId, target)
    })

    /** `nz:vp`: the presser verifies themself, if they have a record here (BOT-37). */
    const onVerifyPresser = Effect.fn("Verification.onVerifyPresser")(function* (q: CallbackInput) {
      if (q.chatId === null) return yield* answer(q.queryId, text("button.expired"))
      const pending = yield* restrictions.findPending(q.chatId, q.from.id)
      if (Option.isNone(pending)) return yield* answer(q.queryId, text("verify.nothing"), true)
      yield* verifyUser(q, q.chatId, q.from.id)
    })

    return { onVerifyButton, onVerifyPresser, release, releaseRecord, answer, deletePromptOf } as const
  })
}) {}
