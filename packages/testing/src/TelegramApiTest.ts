import {
  AppConfig,
  CircuitBreakers,
  Health,
  RateLimiter,
  RateLimiterStore,
  TelegramApi,
  TelegramTransport
} from "@nezuko/core"
import { ConfigProvider, Context, Effect, Layer } from "effect"
import { Api, type Transformer } from "grammy"

/** What a fake Bot API method answers: a result, a Bot API error, a dropped connection, or no answer at all. */
export type CannedReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly error_code: number; readonly description: string; readonly parameters?: Record<string, number> }
  | { readonly network: string }
  | "hang"

export const ok = (result: unknown): CannedReply => ({ ok: true, result })
export const apiError = (error_code: number, description: string, parameters?: Record<string, number>): CannedReply =>
  parameters === undefined ? { ok: false, error_code, description } : { ok: false, error_code, description, parameters }
export const networkError = (message = "socket hang up"): CannedReply => ({ network: message })
export const tooManyRequests = (retryAfter: number) => apiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter })

/** `n` counts this method's calls from 1, so a handler can fail the first calls and succeed later. */
export type Handler = (payload: Record<string, unknown>, n: number) => CannedReply

export interface RecordedCall {
  readonly method: string
  readonly payload: Record<string, unknown>
}

/** Reads and steers the recording fake (SPEC ARCH-8). */
export class TelegramApiRecorder extends Context.Tag("@nezuko/testing/TelegramApiRecorder")<TelegramApiRecorder, {
  readonly calls: Effect.Effect<ReadonlyArray<RecordedCall>>
  readonly callsOf: (method: string) => Effect.Effect<ReadonlyArray<RecordedCall>>
  readonly respond: (method: string, handler: Handler) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
}>() {}

export const testBotToken = "123456:TEST-token-for-unit-tests-0000000000"
export const testBotUser = { id: 123456, is_bot: true, first_name: "Nezuko", username: "nezuko_test_bot", can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false }

// Canned results for methods a test did not script: Telegram answers `true` for every one of these.
const trueMethods = new Set([
  "restrictChatMember", "banChatMember", "unbanChatMember", "banChatSenderChat", "deleteMessage", "deleteMessages",
  "answerCallbackQuery", "approveChatJoinRequest", "declineChatJoinRequest", "setMyCommands", "deleteWebhook", "setWebhook", "leaveChat"
])

/** A grammY `Api` whose transformer records every call and answers from `handlers` without any network. */
export const makeFakeTransport = (initial: Record<string, Handler> = {}) => {
  const calls: Array<RecordedCall> = []
  const handlers = new Map(Object.entries(initial))
  const counts = new Map<string, number>()
  let messageId = 1000
  const fallback = (method: string, payload: Record<string, unknown>): CannedReply => {
    if (trueMethods.has(method)) return ok(true)
    if (method === "getMe") return ok(testBotUser)
    if (method === "sendMessage") {
      return ok({ message_id: ++messageId, date: 0, chat: { id: payload.chat_id, type: "supergroup", title: "Test" }, from: testBotUser, text: payload.text })
    }
    return apiError(404, `Not Found: the fake has no canned result for ${method}`)
  }
  const answer = (
    method: string,
    payload: Record<string, unknown>,
    signal: { addEventListener: (type: "abort", listener: () => void) => void } | undefined
  ): Promise<unknown> => {
    calls.push({ method, payload })
    const n = (counts.get(method) ?? 0) + 1
    counts.set(method, n)
    const reply = handlers.get(method)?.(payload, n) ?? fallback(method, payload)
    if (reply === "hang") {
      return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(new Error("aborted"))))
    }
    if ("network" in reply) return Promise.reject(new Error(reply.network))
    return Promise.resolve(reply)
  }
  const api = new Api(testBotToken, { apiRoot: "http://127.0.0.1:9" })
  // Terminal transformer: never calls `prev`, so nothing leaves the process.
  const transformer: Transformer = (_prev, method, payload, signal) =>
    answer(method, (payload ?? {}) as Record<string, unknown>, signal) as ReturnType<Transformer>
  api.config.use(transformer)
  const recorder: Context.Tag.Service<TelegramApiRecorder> = {
    calls: Effect.sync(() => [...calls]),
    callsOf: (method) => Effect.sync(() => calls.filter((c) => c.method === method)),
    respond: (method, handler) => Effect.sync(() => void handlers.set(method, handler)),
    clear: Effect.sync(() => {
      calls.length = 0
      counts.clear()
    })
  }
  return { api, recorder }
}

/** AppConfig from a map instead of the environment (defaults otherwise). */
export const AppConfigTest = (env: Record<string, string> = {}) =>
  AppConfig.Default.pipe(Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))))

/** Breakers and the limiter over memory windows, with Health and AppConfig: what TelegramApi needs besides a transport. */
export const ResilienceTest = (env: Record<string, string> = {}) =>
  Layer.mergeAll(CircuitBreakers.Default, RateLimiter.Default.pipe(Layer.provide(RateLimiterStore.layerMemory))).pipe(
    Layer.provideMerge(Health.Default),
    Layer.provideMerge(AppConfigTest(env))
  )

/**
 * The real TelegramApi (limiter, breaker, retries, classification, metrics) over the recording fake: calls are
 * recorded and answered from `handlers`; unscripted methods get Telegram's usual answer or a loud 404.
 */
export const TelegramApiTest = (handlers: Record<string, Handler> = {}, env: Record<string, string> = {}) =>
  Layer.unwrapEffect(Effect.sync(() => {
    const fake = makeFakeTransport(handlers)
    return TelegramApi.Default.pipe(
      Layer.provideMerge(Layer.succeed(TelegramApiRecorder, fake.recorder)),
      Layer.provide(TelegramTransport.fromApi(fake.api)),
      Layer.provideMerge(ResilienceTest(env))
    )
  }))
