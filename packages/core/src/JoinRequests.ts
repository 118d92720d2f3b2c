import { JoinRequestRepo, type JoinRequestRecord, type JoinRequestState } from "@nezuko/db"
import { callbackData, type ChannelId, type ChatId, type DatabaseUnavailable, type UserId } from "@nezuko/domain"
import { Clock, Duration, Effect, Option } from "effect"
import { decide, verifiable } from "./Decide.js"
import { Decisions } from "./Decisions.js"
import { GroupDirectory, type GroupSnapshot, type LinkedChannel } from "./GroupDirectory.js"
import type { CallbackInput, Sender } from "./Inputs.js"
import { Jobs } from "./Jobs.js"
import { isTransient } from "./Reconcile.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { Membership } from "./Membership.js"
import { missingAlert, promptKeyboard } from "./Prompts.js"
import { TelegramApi, type TelegramError } from "./TelegramApi.js"
import { channelLabel, text } from "./Texts.js"
import { UserFlags } from "./UserFlags.js"

/** The durable job that declines a request nobody verified in time (BOT-46 step 5); payload `{ request_id, group_id }`. */
export const joinRequestTimeoutKind = "join_request_timeout"
/** LIM-6: an approval Telegram did not take (after the in-call retries) is tried again by this job. */
export const joinRequestApproveKind = "join_request_approve"

export interface JoinRequestTimeoutPayload {
  readonly request_id: number
  readonly group_id: number
}

export interface JoinRequestApprovePayload extends JoinRequestTimeoutPayload {
  readonly by: string
  readonly reason: string | null
}

/**
 * LIM-6's ladder for approvals: the job is due 1 min after the failure, its retries 5 min apart (the job
 * runner's ladder, `join_request_approve` handler); the request's deadline decides if none gets through.
 */
export const approveRetryFirst = Duration.minutes(1)
export const approveRetryNext = Duration.minutes(5)

export interface JoinRequestInput {
  readonly groupId: ChatId
  readonly user: Sender
  /** The private chat Telegram lets the bot write to for 5 minutes (BOT-46 step 3). */
  readonly userChatId: number
  /** Unix seconds. */
  readonly date: number
}

const timeoutKey = (requestId: number) => `${joinRequestTimeoutKind}:${requestId}`

/** Telegram's answer when the request is no longer there: someone else approved or declined it (BOT-47). */
const handledElsewhere = (e: TelegramError): Option.Option<Exclude<JoinRequestState, "pending">> => {
  if (e._tag !== "TelegramPermanent" && e._tag !== "TelegramUserNotFound") return Option.none()
  const d = e.description.toUpperCase()
  if (d.includes("USER_ALREADY_PARTICIPANT")) return Option.some("approved")
  if (d.includes("HIDE_REQUESTER_MISSING") || d.includes("REQUEST_NOT_FOUND") || e._tag === "TelegramUserNotFound") return Option.some("abandoned")
  return Option.none()
}

/**
 * The join-request gate (BOT-46, BOT-47): requests to a gated group are approved at once for members of every
 * channel, otherwise verified in a direct message with a button, approved on the press or on a channel join,
 * and declined after `join_request_timeout_minutes`.
 */
export class JoinRequests extends Effect.Service<JoinRequests>()("@nezuko/core/JoinRequests", {
  effect: Effect.gen(function* () {
    const repo = yield* JoinRequestRepo
    const directory = yield* GroupDirectory
    const membership = yield* Membership
    const flags = yield* UserFlags
    const telegram = yield* TelegramApi
    const decisions = yield* Decisions
    const jobs = yield* Jobs
    const store = yield* KeyValueStore

    const answer = (queryId: string, message: string, alert = false) =>
      Effect.ignore(telegram.answerCallbackQuery({ callback_query_id: queryId, text: message, show_alert: alert }, { priority: 0, kind: "callback" }))

    /** Closes the record after a Telegram call; a request handled by someone else closes it too, without error. */
    const settle = (record: JoinRequestRecord, call: Effect.Effect<unknown, TelegramError>, state: "approved" | "declined", by: string) =>
      Effect.matchEffect(call, {
        onSuccess: () => repo.close(record.id, state, by),
        onFailure: (e) =>
          Option.match(handledElsewhere(e), {
            onNone: () => Effect.fail<TelegramError | DatabaseUnavailable>(e),
            onSome: (closedAs) =>
              Effect.zipRight(Effect.logInfo(`join request already handled elsewhere: ${e.message}`), Effect.as(repo.close(record.id, closedAs, "external"), false))
          })
      })

    const approve = (record: JoinRequestRecord, by: string) =>
      settle(record, telegram.approveChatJoinRequest({ chat_id: record.groupId, user_id: record.userId }, { priority: 0, kind: "joinRequest" }), "approved", by)

    const editDm = (record: JoinRequestRecord, body: string) =>
      record.dmMessageId === null
        ? Effect.void
        : Effect.ignore(telegram.editMessageText({
          chat_id: record.userChatId, message_id: record.dmMessageId, text: body, parse_mode: "HTML", link_preview_options: { is_disabled: true }
        }, { priority: 2, kind: "send" }))

    const decided = (record: JoinRequestRecord, decision: "approve" | "decline" | "restrict" | "dry_run" | "still_missing" | "deferred", fields: {
      readonly reason?: string | null
      readonly channelIds?: ReadonlyArray<ChannelId>
      readonly missing?: ReadonlyArray<ChannelId>
      readonly cached?: boolean | null
      readonly startedAt?: number
      readonly errorCode?: string | null
    } = {}) =>
      decisions.record({
        groupId: record.groupId, userId: record.userId, trigger: "join_request", decision, reason: fields.reason ?? null,
        channelIds: fields.channelIds ?? [], missingChannelIds: fields.missing ?? [], cached: fields.cached ?? null,
        ...(fields.startedAt === undefined ? {} : { startedAt: fields.startedAt }), errorCode: fields.errorCode ?? null
      })

    const scheduleDeadline = (record: JoinRequestRecord, g: GroupSnapshot) =>
      Effect.gen(function* () {
        const payload: JoinRequestTimeoutPayload = { request_id: record.id, group_id: Number(g.chatId) }
        const now = yield* Clock.currentTimeMillis
        yield* jobs.schedule(joinRequestTimeoutKind, new Date(now + g.settings.joinRequestTimeoutMinutes * 60_000), payload, timeoutKey(record.id))
      })

    /**
     * Approves, stops the timer and tells the user: the press, a channel join, an all-member or whitelisted
     * request, a retry, the deadline's re-check. False when someone else handled the request.
     */
    const approveNow = (record: JoinRequestRecord, g: GroupSnapshot, by: string, reason: string | null, fields: Parameters<typeof decided>[2]) =>
      Effect.gen(function* () {
        const approved = yield* approve(record, by)
        yield* jobs.cancel(timeoutKey(record.id)).pipe(Effect.ignore)
        if (!approved) return false
        yield* editDm(record, text("join_request.ok", { group: g.title }))
        yield* decided(record, "approve", { channelIds: g.channels.map((c) => c.chatId), ...fields, reason })
        return true
      })

    /**
     * `approveNow`, with LIM-6's job when Telegram fails transiently: the request then stays pending, its
     * deadline kept (or set), so it ends either way.
     */
    const admit = (record: JoinRequestRecord, g: GroupSnapshot, by: string, reason: string | null, fields: Parameters<typeof decided>[2]) =>
      approveNow(record, g, by, reason, fields).pipe(
        Effect.catchIf((e): e is TelegramError => e._tag !== "DatabaseUnavailable" && isTransient(e), (e) =>
          Effect.gen(function* () {
            yield* Effect.logWarning(`join request approval failed (${e._tag}); retried in a minute`)
            const payload: JoinRequestApprovePayload = { request_id: record.id, group_id: Number(g.chatId), by, reason }
            yield* jobs.scheduleIn(joinRequestApproveKind, approveRetryFirst, payload, `${joinRequestApproveKind}:${record.id}`)
            yield* scheduleDeadline(record, g)
            return false
          }))
      )

    const gatedGroup = (groupId: ChatId) =>
      Effect.map(directory.get(groupId), Option.filter((g) => directory.isEnforced(g) && g.settings.joinGate))

    /** BOT-46 steps 1–3. */
    const onRequest = Effect.fn("JoinRequests.onRequest")(function* (input: JoinRequestInput) {
      const startedAt = yield* Clock.currentTimeMillis
      const snapshot = yield* directory.get(input.groupId)
      // BOT-47: without the gate (or protection) requests are left to human admins.
      if (Option.isNone(snapshot) || !directory.isEnforced(snapshot.value) || !snapshot.value.settings.joinGate) return
      const g = snapshot.value
      const inserted = yield* repo.insertPending({ groupId: g.chatId, userId: input.user.id, userChatId: input.userChatId, requestedAt: new Date(input.date * 1000) })
      // A redelivered update: the first delivery owns the request.
      if (Option.isNone(inserted)) return
      const record = inserted.value
      // BOT-52: a dry run approves and declines nothing; the request is left to the group's admins.
      const dryRun = (reason: "would_approve" | "would_gate", fields: Omit<Parameters<typeof decided>[2], "reason" | "startedAt"> = {}) =>
        Effect.zipRight(repo.close(record.id, "abandoned", "dry_run"), decided(record, "dry_run", { ...fields, reason, startedAt }))
      if (yield* flags.isWhitelisted(g.chatId, input.user.id)) {
        if (g.settings.dryRun) return yield* dryRun("would_approve")
        return yield* admit(record, g, "whitelist", "whitelist", { channelIds: [], startedAt })
      }
      const channels = verifiable(g.channels)
      const checks = yield* membership.checkAll(channels.map((c) => c.chatId), input.user.id, { priority: 1 })
      const decision = decide(channels, checks, g.settings)
      const channelIds = channels.map((c) => c.chatId)
      const cached = checks.every((c) => c.cached)
      if (decision._tag === "Pass" || decision._tag === "Deferred") {
        if (g.settings.dryRun) return yield* dryRun("would_approve", { channelIds, cached })
        // Deferred: Telegram could not say and `on_check_error = allow` lets people through.
        return yield* admit(record, g, "bot", decision._tag === "Deferred" ? "check_error" : null, { channelIds, cached, startedAt })
      }
      if (g.settings.dryRun) return yield* dryRun("would_gate", { channelIds, missing: decision.missing.map((c) => c.chatId), cached })
      yield* gate(record, g, decision.missing, channelIds, cached, startedAt)
    })

    /** Step 3: the DM at once (Telegram allows it for 5 minutes), then the timer. */
    const gate = (record: JoinRequestRecord, g: GroupSnapshot, missing: ReadonlyArray<LinkedChannel>, channelIds: ReadonlyArray<ChannelId>, cached: boolean, startedAt: number) =>
      Effect.gen(function* () {
        const sent = yield* Effect.either(telegram.sendMessage({
          chat_id: record.userChatId,
          text: text("prompt.join_request", { group: g.title, channels: missing.map(channelLabel).join(", ") }, { language: g.settings.language }),
          parse_mode: "HTML",
          link_preview_options: { is_disabled: true },
          reply_markup: { inline_keyboard: promptKeyboard(missing, callbackData.joinRequest(g.chatId), g.settings) }
        }, { priority: 1, kind: "send" }))
        if (sent._tag === "Right") yield* repo.setDmMessage(record.id, sent.right.message_id)
        yield* scheduleDeadline(record, g)
        yield* decided(record, "restrict", {
          reason: "join_request", channelIds, missing: missing.map((c) => c.chatId), cached, startedAt,
          errorCode: sent._tag === "Left" ? sent.left._tag : null
        })
      })

    /** Fresh checks at P0 within 5 s (step 4); None when Telegram could not say. */
    const recheck = (g: GroupSnapshot, userId: UserId, bypassCache: boolean) =>
      Effect.gen(function* () {
        const channels = verifiable(g.channels)
        if (bypassCache) yield* membership.forget(channels.map((c) => c.chatId), userId)
        const checks = yield* membership.checkAll(channels.map((c) => c.chatId), userId, { bypassCache, priority: 0 })
        if (checks.some((c) => c.result === "unknown")) return Option.none<ReadonlyArray<LinkedChannel>>()
        return Option.some(channels.filter((c) => checks.some((k) => k.channelId === c.chatId && k.result === "not_member")))
      }).pipe(Effect.timeout(Duration.seconds(5)), Effect.orElseSucceed(() => Option.none<ReadonlyArray<LinkedChannel>>()))

    /** `nz:j:<groupId>` pressed in the DM (step 4). Only the requester has a pending record to press for. */
    const onVerifyButton = Effect.fn("JoinRequests.onVerifyButton")(function* (q: CallbackInput, groupId: ChatId) {
      const startedAt = yield* Clock.currentTimeMillis
      const pending = yield* repo.findPending(groupId, q.from.id)
      if (Option.isNone(pending)) return yield* answer(q.queryId, text("join_request.closed"))
      const fresh = yield* store.setIfAbsent(`cool:j:${q.from.id}`, "1", Duration.seconds(5)).pipe(Effect.orElseSucceed(() => true))
      if (!fresh) return yield* answer(q.queryId, text("verify.cooldown"))
      const snapshot = yield* directory.get(groupId)
      if (Option.isNone(snapshot)) return yield* answer(q.queryId, text("join_request.closed"))
      const result = yield* recheck(snapshot.value, q.from.id, true)
      if (Option.isNone(result)) return yield* answer(q.queryId, text("verify.slow"), true)
      const record = pending.value
      if (result.value.length > 0) {
        yield* answer(q.queryId, missingAlert(result.value.map((c) => c.title)), true)
        return yield* decided(record, "still_missing", { reason: "button", channelIds: snapshot.value.channels.map((c) => c.chatId), missing: result.value.map((c) => c.chatId), cached: false, startedAt })
      }
      yield* answer(q.queryId, text("join_request.answer_ok"))
      yield* admit(record, snapshot.value, `user:${q.from.id}`, "button", { cached: false, startedAt })
    })

    /** BOT-41 / BOT-46 step 6: a channel join approves the user's pending requests where nothing else is missing. */
    const onChannelJoin = Effect.fn("JoinRequests.onChannelJoin")(function* (channelId: ChannelId, userId: UserId) {
      const pending = yield* repo.pendingForUser(userId)
      yield* Effect.forEach(pending, (record) => Effect.gen(function* () {
        const snapshot = yield* directory.get(record.groupId)
        if (Option.isNone(snapshot)) return
        const g = snapshot.value
        if (!g.channels.some((c) => Number(c.chatId) === Number(channelId))) return
        const startedAt = yield* Clock.currentTimeMillis
        const result = yield* recheck(g, userId, false)
        if (Option.isNone(result) || result.value.length > 0) return
        yield* admit(record, g, `channel:${channelId}`, "rejoin", { cached: true, startedAt })
      }).pipe(Effect.catchAllCause((cause) => Effect.logWarning("join request re-check failed", cause))), { discard: true })
    })

    /** A `join_request_approve` job: the approval again while the request is pending and the group gated; fails to be retried. */
    const onApproveRetry = Effect.fn("JoinRequests.onApproveRetry")(function* (payload: JoinRequestApprovePayload) {
      const found = yield* repo.findById(payload.request_id)
      if (Option.isNone(found) || found.value.state !== "pending") return "not pending"
      const gated = yield* gatedGroup(found.value.groupId)
      if (Option.isNone(gated)) return "not gated"
      return (yield* approveNow(found.value, gated.value, payload.by, payload.reason, {})) ? "approved" : "handled elsewhere"
    })

    /**
     * Step 5: decline, tell the user (best effort), decision `decline` — unless the user now qualifies: an
     * approval that failed (a press, a channel join, an all-member request) leaves the request to this job.
     */
    const onTimeout = Effect.fn("JoinRequests.onTimeout")(function* (payload: JoinRequestTimeoutPayload) {
      const found = yield* repo.findById(payload.request_id)
      if (Option.isNone(found) || found.value.state !== "pending") return "not pending"
      const record = found.value
      const gated = yield* gatedGroup(record.groupId)
      if (Option.isSome(gated)) {
        const g = gated.value
        const qualifies = (yield* flags.isWhitelisted(g.chatId, record.userId)) ||
          Option.exists(yield* recheck(g, record.userId, true), (missing) => missing.length === 0)
        // A failure here fails the job, which the runner retries.
        if (qualifies) return (yield* approveNow(record, g, "timeout", "timeout_recheck", {})) ? "approved" : "handled elsewhere"
      }
      const declined = yield* settle(record, telegram.declineChatJoinRequest({ chat_id: record.groupId, user_id: record.userId }, { priority: 1, kind: "joinRequest" }), "declined", "timeout")
      if (!declined) return "handled elsewhere"
      const snapshot = yield* directory.get(record.groupId)
      const title = Option.match(snapshot, { onNone: () => "the group", onSome: (s) => s.title })
      const channels = Option.match(snapshot, { onNone: () => "", onSome: (s) => verifiable(s.channels).map(channelLabel).join(", ") })
      yield* editDm(record, text("join_request.expired", { group: title, channels }))
      yield* decided(record, "decline", { reason: "timeout" })
      return "declined"
    })

    return { onRequest, onVerifyButton, onChannelJoin, onTimeout, onApproveRetry } as const
  })
}) {}
