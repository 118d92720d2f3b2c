import { GroupRepo, MemberRepo, RestrictionRepo } from "@nezuko/db"
import type { ChannelId, ChatId, Restriction, Trigger, UserId } from "@nezuko/domain"
import { Clock, Duration, Effect, Fiber, FiberSet, Option } from "effect"
import type { ChatMember } from "grammy/types"
import { AppConfig } from "./AppConfig.js"
import { requestHealthCheck } from "./BotStatus.js"
import { ChatAdmins } from "./ChatAdmins.js"
import { Decisions } from "./Decisions.js"
import { GroupDirectory, type GroupSnapshot, type LinkedChannel } from "./GroupDirectory.js"
import type { Sender } from "./Inputs.js"
import { Jobs, notePromptShown, persistOnInterruptBudget } from "./Jobs.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { withLeanSpan } from "./LeanSpan.js"
import { Outbox } from "./Outbox.js"
import { PromptCoalescer, promptMessage, type PromptRequest } from "./PromptCoalescer.js"
import type { PromptTemplate } from "./Prompts.js"
import { isSilencedByOthers, priorOf, Protection } from "./Protection.js"
import { isTransient } from "./Reconcile.js"
import { scheduleRestrictRetry } from "./RestrictRetries.js"
import { TelegramApi } from "./TelegramApi.js"
import { timeoutDedupeKey, timeoutKind, type TimeoutPayload } from "./TimeoutRules.js"
import { UserFlags } from "./UserFlags.js"

export interface RestrictRequest {
  readonly group: GroupSnapshot
  readonly user: Sender
  readonly trigger: Trigger
  readonly template: PromptTemplate
  readonly missing: ReadonlyArray<LinkedChannel>
  readonly checked: ReadonlyArray<ChannelId>
  readonly cached: boolean
  readonly startedAt: number
  /** The offending message (trigger `message`); deleted when the settings say so. */
  readonly messageId?: number
  readonly threadId?: number | null
  /** The member record the update already carried (joins); otherwise the flow asks getChatMember. */
  readonly knownMember?: ChatMember
  /** BOT-48's batch scan in `restrict` mode: mute without a prompt (the scan sends combined ones). */
  readonly silent?: boolean
  /**
   * BOT-23 row 9 decided from a process-local copy of the open records: if the record turns out closed under
   * the lock, nothing is done and `"no_record"` is returned, so the caller decides from membership afresh
   * instead of muting someone who verified a moment ago.
   */
  readonly onlyIfPending?: boolean
}

const lockTtl = Duration.seconds(10)
/**
 * How long the restrict flow waits for its prompt. Polling confirms a batch only once every update in it is
 * handled (OPS-9), so a prompt queued behind a full group window (LIM-2: up to a minute) or collected for a
 * combined one (LIM-9: 5 s) would hold the intake of every group for as long.
 */
const promptHandOver = Duration.seconds(1)
/**
 * A prompt still waiting at the hand-over gets a durable copy due this much later, for a process that dies
 * first; it is sent only if the record is still open and without a prompt by then (Outbox), so it outlasts
 * the longest wait in memory — the minute of LIM-2's window plus LIM-9's 5 s — to keep from doubling it.
 */
const promptBackstop = Duration.minutes(2)

/**
 * The restrict flow of BOT-25 (steps 1–9), shared by messages, joins and channel leaves: one decision per
 * (group, user) at a time, the pending record written before the mute, failures never silent (BOT-28).
 */
export class Restrictor extends Effect.Service<Restrictor>()("@nezuko/core/Restrictor", {
  scoped: Effect.gen(function* () {
    const config = yield* AppConfig
    const store = yield* KeyValueStore
    const telegram = yield* TelegramApi
    const protection = yield* Protection
    const restrictions = yield* RestrictionRepo
    const members = yield* MemberRepo
    const groups = yield* GroupRepo
    const directory = yield* GroupDirectory
    const admins = yield* ChatAdmins
    const decisions = yield* Decisions
    const prompts = yield* PromptCoalescer
    const outbox = yield* Outbox
    const jobs = yield* Jobs
    const flags = yield* UserFlags
    // Prompts that outlived the hand-over. A shutdown interrupts them with this service, before the outbox and
    // the database go, so their interruption can still leave the durable copy.
    const promptFibers = yield* FiberSet.make<string | null>()
    /** Records whose prompt is on its way: a later message of theirs must not count it as gone (BOT-28). */
    const promptsUnderway = new Set<number>()

    const canMute = (g: GroupSnapshot) => g.settings.enforcementMode === "mute" && g.botCanRestrict

    // BOT-42: mute-only mode while the bot lacks "Delete messages" (no call that is bound to fail). Where the bot
    // cannot mute (delete_only, chosen or for want of the right, BOT-28) deleting is all it has, whatever
    // `delete_unverified_messages` says: otherwise a non-subscriber would write freely.
    const deleteOffending = (req: RestrictRequest) =>
      req.messageId !== undefined && req.group.botCanDelete && (req.group.settings.deleteUnverifiedMessages || !canMute(req.group))
        ? Effect.ignore(protection.deleteMessage(req.group.chatId, req.messageId, 1))
        : Effect.void
    /** BOT-23 row 9: the bot's own mute is over (or never happened) and it may mute here. */
    const remuteDue = (req: RestrictRequest, record: Restriction, now: number) =>
      record.owner === "bot" && (record.restrictedUntil === null || record.restrictedUntil.getTime() <= now) && canMute(req.group)

    const queuePrompt = (request: PromptRequest, recordId: number, delay: Duration.Duration = Duration.zero) => {
      const ttl = request.settings.promptTtlSeconds
      return outbox.enqueue("sendMessage", promptMessage(request), {
        priority: 1, kind: "send", dedupeKey: `prompt:${recordId}`, staleAfter: Duration.seconds(ttl), delay,
        prompt: { restriction_id: recordId, group_id: request.groupId, user_id: request.user.id, ttl_seconds: ttl }
      }).pipe(Effect.catchAll((e) => Effect.logWarning(`could not queue the prompt: ${e._tag}`)))
    }

    /** Sends the prompt and notes it on the record; the failure's code, if any. */
    const sendPrompt = (request: PromptRequest, recordId: number) =>
      Effect.gen(function* () {
        const sent = yield* Effect.either(prompts.send(request))
        if (sent._tag === "Left") {
          // LIM-13: the open breaker only delays the prompt; the outbox sends it (if the record is still open).
          if (sent.left._tag === "CircuitOpen") yield* queuePrompt(request, recordId)
          return sent.left._tag
        }
        if (Option.isSome(sent.right)) {
          yield* notePromptShown(restrictions, jobs, { recordId, groupId: request.groupId, messageId: sent.right.value, ttlSeconds: request.settings.promptTtlSeconds })
        }
        return null
      }).pipe(
        // OPS-8: a shutdown interrupts a prompt still waiting. The redelivered message then finds the record open
        // and the mute holding, and prompts no more, so the outbox takes it (unless the backstop already has it).
        Effect.onInterrupt(() => Effect.ignore(Effect.timeout(queuePrompt(request, recordId), persistOnInterruptBudget))),
        Effect.ensuring(Effect.sync(() => promptsUnderway.delete(recordId)))
      )

    /**
     * Step 7 and the prompt's part of step 8: one prompt listing every missing channel, deleted after
     * prompt_ttl_seconds whatever happens (BOT-29). Waits for it up to `promptHandOver`, then leaves it to its
     * own fiber with a durable backstop. Returns the failure's code, if any came in time.
     */
    const prompt = (req: RestrictRequest, recordId: number) =>
      Effect.gen(function* () {
        const request: PromptRequest = {
          groupId: req.group.chatId, groupTitle: req.group.title, threadId: req.threadId ?? null, template: req.template,
          user: { id: req.user.id, firstName: req.user.firstName }, missing: req.missing, settings: req.group.settings
        }
        promptsUnderway.add(recordId)
        const attempt = yield* FiberSet.run(promptFibers, sendPrompt(request, recordId))
        const done = yield* Effect.timeout(Fiber.join(attempt), promptHandOver).pipe(Effect.option)
        if (Option.isSome(done)) return done.value
        yield* queuePrompt(request, recordId, promptBackstop)
        return null
      })

    const promptAgainIfGone = (req: RestrictRequest, record: Restriction) =>
      Effect.gen(function* () {
        const shown = promptsUnderway.has(record.id) || (record.promptMessageId !== null &&
          (yield* jobs.promptShown(req.group.chatId, record.promptMessageId).pipe(Effect.orElseSucceed(() => true))))
        if (!shown && req.silent !== true) yield* prompt(req, record.id)
      })

    /**
     * BOT-23 row 9: an open record. Delete the message; re-mute only when the recorded mute is over or never
     * happened, and then prompt again if the old prompt is gone (BOT-29). Where the bot cannot mute, the prompt
     * is all the user sees, so it comes again once the old one is gone (BOT-28: one per user per prompt_ttl_seconds).
     * Runs under the flow's lock whenever it may prompt, so a burst cannot prompt twice.
     */
    const alreadyPending = (req: RestrictRequest, record: Restriction) =>
      Effect.gen(function* () {
        yield* deleteOffending(req)
        if (remuteDue(req, record, yield* Clock.currentTimeMillis)) {
          const until = yield* Effect.either(protection.mute(req.group.chatId, req.user.id, req.group.settings.muteHours))
          if (until._tag === "Right") {
            yield* restrictions.update(record.id, { restrictedUntil: until.right })
            yield* promptAgainIfGone(req, record)
          }
        } else if (!canMute(req.group)) {
          yield* promptAgainIfGone(req, record)
        }
        yield* decisions.record({
          groupId: req.group.chatId, userId: req.user.id, trigger: req.trigger, decision: "restrict", reason: "already_pending",
          channelIds: req.checked, missingChannelIds: req.missing.map((c) => c.chatId), cached: req.cached, startedAt: req.startedAt
        })
      })

    const locked = (req: RestrictRequest, groupId: ChatId, userId: UserId) =>
      Effect.gen(function* () {
        const lockKey = `lock:${groupId}:${userId}`
        // Step 1: one decision per (group, user) across replicas; the loser only deletes the message.
        const acquired = yield* store.setIfAbsent(lockKey, config.instanceId, lockTtl).pipe(Effect.orElseSucceed(() => true))
        if (!acquired) return yield* deleteOffending(req)
        return yield* Effect.ensuring(flow(req, groupId, userId), Effect.ignore(store.remove(lockKey)))
      })

    // A muted user who keeps writing comes here with every message, so this is a lean span (Effect.fn would
    // capture a stack trace per call), and a record whose mute still holds is acted on without the lock: the
    // message goes and nothing changes, so a verify racing with it can at worst see a message of the time
    // the user was still unverified deleted. Only a re-mute, which changes state, takes the lock (and re-reads).
    const run = (req: RestrictRequest) =>
      Effect.gen(function* () {
        const groupId = req.group.chatId
        const userId = req.user.id
        if (req.onlyIfPending) {
          const pending = yield* restrictions.findPending(groupId, userId)
          if (Option.isNone(pending)) return "no_record" as const
          if (canMute(req.group) && !remuteDue(req, pending.value, yield* Clock.currentTimeMillis)) return yield* alreadyPending(req, pending.value)
        }
        return yield* locked(req, groupId, userId)
      }).pipe(withLeanSpan("Restrictor.restrict"))

    /**
     * BOT-33: Telegram keeps the bot's mute when a pending user leaves, so they rejoin silenced — by the bot, not
     * by someone else, when the mute is the one the record closed by their leave still holds (same end). Taken
     * for another admin's, it made the new record `external`: never restored, so joining the channels or
     * pressing verify left them muted for the rest of `mute_hours`. The old record's prior state is the one to restore.
     */
    const ownMuteKept = (groupId: ChatId, userId: UserId, member: ChatMember) =>
      Effect.map(restrictions.leftWhileMuted(groupId, userId), Option.filter((own) =>
        member.status === "restricted" && own.restrictedUntil !== null &&
        Math.abs(member.until_date - own.restrictedUntil.getTime() / 1000) <= 1))

    const flow = (req: RestrictRequest, groupId: ChatId, userId: UserId) =>
      Effect.gen(function* () {
        // Step 2.
        const pending = yield* restrictions.findPending(groupId, userId)
        if (Option.isSome(pending)) return yield* alreadyPending(req, pending.value)
        if (req.onlyIfPending) return "no_record" as const
        // Step 3.
        yield* deleteOffending(req)
        // Step 4: the prior state decides whether the bot mutes at all.
        // If Telegram cannot say, go on as for a plain member: a mute on an admin is refused as TargetIsAdmin below.
        const member: ChatMember = req.knownMember ?? (yield* telegram.getChatMember({ chat_id: groupId, user_id: userId }, { priority: 1, kind: "membership" }).pipe(
          Effect.orElseSucceed((): ChatMember => ({ status: "member", user: { id: userId, is_bot: false, first_name: req.user.firstName } }))
        ))
        if (member.status === "creator" || member.status === "administrator") {
          yield* admins.invalidate(groupId)
          return yield* decisions.record({ groupId, userId, trigger: req.trigger, decision: "exempt", reason: "admin", startedAt: req.startedAt })
        }
        if (member.status === "left" || member.status === "kicked" || (member.status === "restricted" && !member.is_member)) {
          // Gone without an update reaching us (BOT-40 step 4): correct the presence that targeted them, nothing else.
          return yield* members.setPresence(groupId, userId, member.status === "kicked" ? "kicked" : "left", false).pipe(Effect.ignore)
        }
        const leftover = isSilencedByOthers(member) ? yield* ownMuteKept(groupId, userId, member) : Option.none<Restriction>()
        const external = isSilencedByOthers(member) && Option.isNone(leftover)
        const now = yield* Clock.currentTimeMillis
        // Step 5: the record first; a unique-index conflict means another handler won.
        const inserted = yield* restrictions.insertPending({
          groupId, userId, trigger: req.trigger, owner: external ? "external" : "bot",
          missingChannelIds: req.missing.map((c) => c.chatId),
          priorMember: Option.match(leftover, { onNone: () => priorOf(member), onSome: (own) => own.priorMember }),
          deadlineAt: new Date(now + req.group.settings.timeoutMinutes * 60_000)
        })
        yield* flags.forget(groupId, userId)
        if (Option.isNone(inserted)) return
        const record = inserted.value
        // Step 8's deadline (BOT-38) comes first, as a durable job: a shutdown that interrupts the mute or the
        // prompt below still leaves it, and the redelivered message finds the record open and does not schedule
        // it again. `mute` means stay muted.
        if (req.group.settings.timeoutAction !== "mute" && record.deadlineAt !== null) {
          const payload: TimeoutPayload = { restriction_id: record.id, group_id: groupId, user_id: userId }
          yield* jobs.schedule(timeoutKind, record.deadlineAt, payload, timeoutDedupeKey(record.id)).pipe(
            Effect.catchAll((e) => Effect.logWarning(`could not schedule the timeout: ${e._tag}`))
          )
        }
        // Step 6: the mute, unless delete-only (by choice or for want of the right) or someone else already silenced them.
        let errorCode: string | null = null
        if (!external && canMute(req.group)) {
          const muted = yield* Effect.either(protection.mute(groupId, userId, req.group.settings.muteHours))
          if (muted._tag === "Right") {
            yield* restrictions.update(record.id, { restrictedUntil: muted.right })
          } else {
            errorCode = muted.left._tag
            if (muted.left._tag === "TelegramTargetIsAdmin") {
              yield* restrictions.close(record.id, "released", "target_is_admin")
              yield* Effect.ignore(jobs.cancel(timeoutDedupeKey(record.id)))
              yield* admins.invalidate(groupId)
              return yield* decisions.record({ groupId, userId, trigger: req.trigger, decision: "exempt", reason: "admin", startedAt: req.startedAt })
            }
            if (muted.left._tag === "TelegramMissingRights") {
              // BOT-28: delete-only mode until the right is back; the record stays so buttons and timeouts work.
              // The right went without a my_chat_member update reaching us: the health check, due now, stores
              // the bot's rights (so no further mute is tried) and warns as BOT-44 says.
              yield* groups.setHealth(groupId, "degraded", "missing can_restrict_members")
              yield* requestHealthCheck(jobs, groupId).pipe(
                Effect.catchAll((e) => Effect.logWarning(`could not schedule a health check: ${e._tag}`))
              )
              yield* directory.invalidate(groupId)
            }
            // BOT-28: a transient failure (retries used up, breaker open, budget full) starts restrict_retry's ladder.
            if (isTransient(muted.left)) {
              yield* scheduleRestrictRetry(jobs, { restriction_id: record.id, group_id: groupId, user_id: userId, attempt: 1 }).pipe(
                Effect.catchAll((e) => Effect.logWarning(`could not schedule the mute retry: ${e._tag}`))
              )
            }
            yield* Effect.logWarning(`mute failed: ${muted.left._tag}`).pipe(Effect.annotateLogs({ chat_id: String(groupId), user_id: String(userId) }))
          }
        }
        // The prompt goes out whatever became of the mute (BOT-28); the mute's error is the one logged.
        if (req.silent !== true) {
          const promptError = yield* prompt(req, record.id)
          errorCode ??= promptError
        }
        // Step 9.
        yield* decisions.record({
          groupId, userId, trigger: req.trigger, decision: "restrict", reason: external ? "external_restriction" : null,
          channelIds: req.checked, missingChannelIds: req.missing.map((c) => c.chatId), cached: req.cached,
          startedAt: req.startedAt, errorCode
        })
      })

    return { restrict: run } as const
  })
}) {}
