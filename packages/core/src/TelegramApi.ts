import { Duration, Effect, Metric, MetricBoundaries, Predicate, PubSub } from "effect"
import { GrammyError, type RawApi } from "grammy"
import { AppConfig } from "./AppConfig.js"
import { CircuitBreakers, type CircuitOpen } from "./CircuitBreakers.js"
import { withLeanSpan } from "./LeanSpan.js"
import { redactSecrets } from "./Logging.js"
import { taggedBy, unsafeUpdateMetrics } from "./Metrics.js"
import { type Priority, type RateLimitDropped, RateLimiter } from "./RateLimiter.js"
import type { Budget } from "./RateLimiterStore.js"
import { classifyApiError, type TelegramApiFailure, type TelegramChatMigrated, TelegramTransient, outcomeOf } from "./TelegramErrors.js"
import { type OperationKind, withTelegramRetries } from "./TelegramRetry.js"
import { TelegramTransport } from "./TelegramTransport.js"

export type Method = string & keyof RawApi
/** The Bot API parameters of a method (`{}` for methods without any). */
export type Payload<M extends Method> = RawApi[M] extends (args: infer P, signal?: infer _S) => unknown
  ? undefined extends P ? Record<string, never> : P
  : never
export type Result<M extends Method> = Awaited<ReturnType<RawApi[M]>>
export type TelegramError = TelegramApiFailure | CircuitOpen | RateLimitDropped

/** A call to `from` that Telegram answered with `migrate_to_chat_id` (BOT-50). */
export interface ChatMigration {
  readonly from: number
  readonly to: number
}

/**
 * BOT-50: the call to make again under the migrated group's new id, or undefined when it cannot move.
 * A call naming messages (`message_id`, `message_ids`) stays failed: they belong to the old chat's history and
 * the same ids name other messages in the new one; a reply is sent without its quote for the same reason.
 */
export const movedCall = (
  payload: unknown,
  error: TelegramChatMigrated
): { readonly migration: ChatMigration; readonly payload: Record<string, unknown> } | undefined => {
  if (!Predicate.isRecord(payload) || typeof payload.chat_id !== "number" || payload.chat_id === error.newChatId) return undefined
  if ("message_id" in payload || "message_ids" in payload) return undefined
  const { reply_parameters: _quote, reply_to_message_id: _legacyQuote, ...rest } = payload
  return { migration: { from: payload.chat_id, to: error.newChatId }, payload: { ...rest, chat_id: error.newChatId } }
}

export interface CallOptions {
  readonly priority?: Priority
  /** Which LIM-6 row applies; e.g. `restore` for an unmute through restrictChatMember. */
  readonly kind?: OperationKind
}

const secondsBuckets = MetricBoundaries.fromIterable([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
export const telegramCalls = Metric.counter("nezuko_telegram_calls_total", { description: "Bot API requests by outcome", incremental: true })
export const telegramCallDuration = Metric.histogram("nezuko_telegram_call_duration_seconds", secondsBuckets, "Bot API request duration")
const callsBy = taggedBy(telegramCalls, "method", "outcome")
const durationBy = taggedBy(telegramCallDuration, "method")
export const telegramRetryAfter = Metric.histogram(
  "nezuko_telegram_retry_after_seconds",
  MetricBoundaries.fromIterable([1, 2, 5, 10, 30, 60, 300]),
  "retry_after of every 429"
)

/** LIM-1: methods that put a message on screen share the message budget and the per-chat windows. */
export const isMessageMethod = (method: string) =>
  (method.startsWith("send") && method !== "sendChatAction") || method.startsWith("editMessage") ||
  method === "copyMessage" || method === "forwardMessage"
const unlimited = new Set(["getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo"])
export const budgetOf = (method: string): Budget | "none" => unlimited.has(method) ? "none" : isMessageMethod(method) ? "message" : "api"

// LIM-3 defaults; callers override (a restore is restrictChatMember at P0 with kind `restore`).
const defaults: Readonly<Record<string, Required<CallOptions>>> = {
  answerCallbackQuery: { priority: 0, kind: "callback" },
  approveChatJoinRequest: { priority: 0, kind: "joinRequest" },
  declineChatJoinRequest: { priority: 1, kind: "joinRequest" },
  restrictChatMember: { priority: 1, kind: "mute" },
  getChatMember: { priority: 1, kind: "membership" },
  deleteMessage: { priority: 1, kind: "delete" },
  deleteMessages: { priority: 1, kind: "delete" },
  banChatMember: { priority: 1, kind: "ban" },
  unbanChatMember: { priority: 1, kind: "ban" },
  banChatSenderChat: { priority: 1, kind: "ban" },
  sendMessage: { priority: 1, kind: "send" },
  editMessageText: { priority: 2, kind: "send" },
  editMessageReplyMarkup: { priority: 2, kind: "send" }
}
const zeroArgument = new Set(["getMe", "getWebhookInfo"])
const editMethods = new Set(["editMessageText", "editMessageReplyMarkup", "editMessageCaption", "editMessageMedia"])

const toFailure = (method: string, error: unknown): TelegramApiFailure | "NotModified" =>
  error instanceof GrammyError
    ? classifyApiError(method, error)
    : new TelegramTransient({
      method,
      kind: "network",
      // grammY's HttpError text never contains the URL (and so the token) unless sensitiveLogs is on.
      description: redactSecrets(error instanceof Error ? error.message : String(error))
    })

const callTimeout = Duration.seconds(10)
const longPollMargin = Duration.seconds(5)

/**
 * LIM-7: 10 s per call, except getUpdates, which the Bot API holds open for up to its own `timeout` seconds: it
 * gets that plus 5 s (35 s for OPS-9's 30 s poll), so an idle long poll is not cut off as a transient failure
 * (which would also count against the telegram breaker).
 */
export const timeoutOf = (method: string, payload: unknown): Duration.Duration =>
  method === "getUpdates" && Predicate.hasProperty(payload, "timeout") && typeof payload.timeout === "number"
    ? Duration.max(callTimeout, Duration.sum(Duration.seconds(payload.timeout), longPollMargin))
    : callTimeout

/**
 * Every Telegram call of the process (ARCH-7): through the priority limiter, the `telegram` breaker, a 10 s
 * timeout (getUpdates: its long-poll `timeout` + 5 s, LIM-7) and the LIM-6 retries, timed, counted and traced, failing only with typed errors (ARCH-3).
 */
export class TelegramApi extends Effect.Service<TelegramApi>()("@nezuko/core/TelegramApi", {
  effect: Effect.gen(function* () {
    const { api } = yield* TelegramTransport
    const limiter = yield* RateLimiter
    const breakers = yield* CircuitBreakers
    const config = yield* AppConfig
    const raw = api.raw as unknown as Record<string, (...args: ReadonlyArray<unknown>) => Promise<unknown>>

    // One HTTP request: timed, counted, classified. "message is not modified" is success for edits. Both
    // metrics are recorded in the step that hands the outcome on (see `updateMetrics`).
    const request = (method: string, payload: unknown) =>
      Effect.clockWith((clock) => {
        const timeout = timeoutOf(method, payload)
        const started = clock.unsafeCurrentTimeMillis()
        return Effect.tryPromise({
          try: (signal) => {
            const fn = raw[method]
            if (fn === undefined) return Promise.reject(new Error(`unknown method ${method}`))
            return zeroArgument.has(method) ? fn(signal) : fn(payload, signal)
          },
          catch: (error) => toFailure(method, error)
        }).pipe(
          Effect.timeoutFail({ duration: timeout, onTimeout: () => new TelegramTransient({ method, kind: "timeout", description: `no answer within ${Duration.toSeconds(timeout)} s` }) }),
          Effect.catchIf((e) => e === "NotModified", () =>
            editMethods.has(method) ? Effect.succeed(true) : Effect.fail(classifyApiError(method, { error_code: 400, description: "Bad Request: message is not modified (unexpected)" }) as TelegramApiFailure)),
          Effect.exit,
          Effect.flatMap((exit) =>
            Effect.withFiberRuntime<unknown, TelegramApiFailure>((fiber) => {
              const outcome = exit._tag === "Success" ? "ok" : Predicate.isTagged(exit.cause, "Fail") ? outcomeOf(exit.cause.error) : "network_error"
              unsafeUpdateMetrics(fiber, [[durationBy(method), (clock.unsafeCurrentTimeMillis() - started) / 1000], [callsBy(method, outcome), 1]])
              return exit
            }))
        )
      })

    // Unbounded but never holding more than the migrations not yet taken by a follower; with none, it drops them.
    const migrations = yield* PubSub.unbounded<ChatMigration>()

    const callOnce = (method: string, payload: unknown, options: CallOptions): Effect.Effect<unknown, TelegramError> => {
      const preset = defaults[method] ?? { priority: 1, kind: "other" }
      const budget = budgetOf(method)
      const chatId = Predicate.hasProperty(payload, "chat_id") && (typeof payload.chat_id === "number" || typeof payload.chat_id === "string")
        ? payload.chat_id
        : undefined
      const permit = { budget, priority: options.priority ?? preset.priority, chatId: budget === "message" ? chatId : undefined }
      const attempt = limiter.withPermit(permit, breakers.protect("telegram", request(method, payload), (e) => e._tag === "TelegramTransient")).pipe(
        Effect.tapError((e) =>
          e._tag === "TelegramRateLimited"
            ? Effect.zipRight(
              Metric.update(telegramRetryAfter, Duration.toSeconds(e.retryAfter)),
              budget === "none" ? Effect.void : limiter.rateLimited(budget, e.retryAfter)
            )
            : Effect.void)
      )
      return attempt.pipe(
        withTelegramRetries(options.kind ?? preset.kind, config.rateLimitRetries),
        // A lean span with no captured stack trace: every call (and every long poll) would otherwise build an
        // Error just to locate the span.
        withLeanSpan(`TelegramApi.${method}`, { method })
      )
    }

    /** Any Bot API method by name, untyped: for replaying stored calls (Outbox) and bridging grammY. */
    const callUntyped = (method: string, payload: unknown, options: CallOptions = {}): Effect.Effect<unknown, TelegramError> =>
      callOnce(method, payload, options).pipe(
        // BOT-50: the group became a supergroup; followers re-key it, and the call goes once more to the new id.
        Effect.catchIf((e): e is TelegramChatMigrated => e._tag === "TelegramChatMigrated", (e) => {
          const moved = movedCall(payload, e)
          if (moved === undefined) return Effect.fail(e)
          const { from, to } = moved.migration
          return PubSub.publish(migrations, moved.migration).pipe(
            Effect.zipRight(Effect.logInfo(`${method}: group ${from} is now supergroup ${to}; the call goes there`)),
            Effect.zipRight(callOnce(method, moved.payload, options))
          )
        })
      )

    /** Any Bot API method by name, typed; the methods below are shorthands. */
    const call = <M extends Method>(method: M, payload: Payload<M>, options: CallOptions = {}): Effect.Effect<Result<M>, TelegramError> =>
      // grammY's proxy is untyped per method name; the result is what the Bot API documents for `method`.
      callUntyped(method, payload, options) as Effect.Effect<Result<M>, TelegramError>

    const m = <M extends Method>(method: M) => (payload: Payload<M>, options?: CallOptions) => call(method, payload, options)
    return {
      call,
      callUntyped,
      /** Migrations met by calls from now on, for the follower that re-keys the group (GroupMigration). */
      subscribeMigrations: PubSub.subscribe(migrations),
      getMe: () => call("getMe", {}),
      getChat: m("getChat"),
      getChatMember: m("getChatMember"),
      getChatAdministrators: m("getChatAdministrators"),
      getChatMemberCount: m("getChatMemberCount"),
      restrictChatMember: m("restrictChatMember"),
      banChatMember: m("banChatMember"),
      unbanChatMember: m("unbanChatMember"),
      banChatSenderChat: m("banChatSenderChat"),
      sendMessage: m("sendMessage"),
      editMessageText: m("editMessageText"),
      editMessageReplyMarkup: m("editMessageReplyMarkup"),
      deleteMessage: m("deleteMessage"),
      deleteMessages: m("deleteMessages"),
      answerCallbackQuery: m("answerCallbackQuery"),
      approveChatJoinRequest: m("approveChatJoinRequest"),
      declineChatJoinRequest: m("declineChatJoinRequest"),
      createChatInviteLink: m("createChatInviteLink"),
      exportChatInviteLink: m("exportChatInviteLink"),
      setMyCommands: m("setMyCommands"),
      deleteWebhook: m("deleteWebhook"),
      setWebhook: m("setWebhook"),
      getWebhookInfo: () => call("getWebhookInfo", {}),
      leaveChat: m("leaveChat")
    } as const
  })
}) {}
