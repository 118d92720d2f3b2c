import { Duration, Schema } from "effect"
import { redactSecrets } from "./Logging.js"

// SPEC ARCH-3 / LIM-7: every Bot API failure becomes one of these; nothing is thrown across the service.
const base = { method: Schema.String, description: Schema.String }

export class TelegramRateLimited extends Schema.TaggedError<TelegramRateLimited>()("TelegramRateLimited", {
  ...base,
  retryAfter: Schema.DurationFromSelf
}) {
  override get message() {
    return `${this.method}: rate limited, retry after ${Duration.format(this.retryAfter)}`
  }
}

/** 5xx, a dropped connection or the per-call timeout: worth retrying, and counted by the telegram breaker. */
export class TelegramTransient extends Schema.TaggedError<TelegramTransient>()("TelegramTransient", {
  ...base,
  kind: Schema.Literal("server", "network", "timeout")
}) {
  override get message() {
    return `${this.method}: ${this.kind} error: ${this.description}`
  }
}

export class TelegramMissingRights extends Schema.TaggedError<TelegramMissingRights>()("TelegramMissingRights", base) {}
export class TelegramTargetIsAdmin extends Schema.TaggedError<TelegramTargetIsAdmin>()("TelegramTargetIsAdmin", base) {}
export class TelegramUserNotFound extends Schema.TaggedError<TelegramUserNotFound>()("TelegramUserNotFound", base) {}
export class TelegramChatUnavailable extends Schema.TaggedError<TelegramChatUnavailable>()("TelegramChatUnavailable", base) {}
export class TelegramChatMigrated extends Schema.TaggedError<TelegramChatMigrated>()("TelegramChatMigrated", {
  ...base,
  newChatId: Schema.Number
}) {}
export class TelegramMessageGone extends Schema.TaggedError<TelegramMessageGone>()("TelegramMessageGone", base) {}
export class TelegramCallbackExpired extends Schema.TaggedError<TelegramCallbackExpired>()("TelegramCallbackExpired", base) {}
export class TelegramCannotMessageUser extends Schema.TaggedError<TelegramCannotMessageUser>()("TelegramCannotMessageUser", base) {}
/** Any other 4xx: a bug or a state we do not model; never retried. */
export class TelegramPermanent extends Schema.TaggedError<TelegramPermanent>()("TelegramPermanent", {
  ...base,
  errorCode: Schema.Number
}) {
  override get message() {
    return `${this.method}: ${this.errorCode} ${this.description}`
  }
}
/** 401: the token is wrong or revoked. Fatal at start-up (LIM-7). */
export class TelegramUnauthorized extends Schema.TaggedError<TelegramUnauthorized>()("TelegramUnauthorized", base) {}

/** What the Bot API itself can answer (everything but CircuitOpen and limiter drops). */
export type TelegramApiFailure =
  | TelegramRateLimited
  | TelegramTransient
  | TelegramMissingRights
  | TelegramTargetIsAdmin
  | TelegramUserNotFound
  | TelegramChatUnavailable
  | TelegramChatMigrated
  | TelegramMessageGone
  | TelegramCallbackExpired
  | TelegramCannotMessageUser
  | TelegramPermanent
  | TelegramUnauthorized

/** The `{ ok: false }` body of a Bot API response. */
export interface ApiErrorBody {
  readonly error_code: number
  readonly description: string
  readonly parameters?: { readonly retry_after?: number; readonly migrate_to_chat_id?: number } | undefined
}

const has = (text: string, ...needles: ReadonlyArray<string>) => needles.some((n) => text.includes(n))

/**
 * LIM-7, matched on error_code plus description (case-insensitive). `NotModified` is success for edits
 * ("message is not modified" means the screen already shows what we wanted).
 */
export const classifyApiError = (method: string, body: ApiErrorBody): TelegramApiFailure | "NotModified" => {
  const description = redactSecrets(body.description)
  const text = description.toLowerCase()
  const code = body.error_code
  const fields = { method, description }
  if (code === 429) return new TelegramRateLimited({ ...fields, retryAfter: Duration.seconds(body.parameters?.retry_after ?? 1) })
  if (code >= 500) return new TelegramTransient({ ...fields, kind: "server" })
  if (code === 401) return new TelegramUnauthorized(fields)
  if (body.parameters?.migrate_to_chat_id !== undefined) {
    return new TelegramChatMigrated({ ...fields, newChatId: body.parameters.migrate_to_chat_id })
  }
  if (has(text, "message is not modified")) return "NotModified"
  if (has(text, "not enough rights", "chat_admin_required", "need administrator rights", "have no rights")) {
    return new TelegramMissingRights(fields)
  }
  if (has(text, "user is an administrator", "can't restrict self", "can't remove chat owner", "user_admin_invalid")) {
    return new TelegramTargetIsAdmin(fields)
  }
  if (has(text, "message to delete not found", "message can't be deleted", "message to edit not found")) {
    return new TelegramMessageGone(fields)
  }
  if (has(text, "query is too old", "query id is invalid")) return new TelegramCallbackExpired(fields)
  if (has(text, "can't initiate conversation", "bot was blocked", "user is deactivated")) {
    return new TelegramCannotMessageUser(fields)
  }
  if (has(text, "user not found", "participant_id_invalid", "member not found")) return new TelegramUserNotFound(fields)
  if (has(text, "chat not found", "bot was kicked", "bot is not a member", "channel_private")) {
    return new TelegramChatUnavailable(fields)
  }
  return new TelegramPermanent({ ...fields, errorCode: code })
}

/** OPS-5 outcome label of `nezuko_telegram_calls_total`. */
export type CallOutcome = "ok" | "rate_limited" | "client_error" | "server_error" | "network_error"

export const outcomeOf = (error: TelegramApiFailure): CallOutcome =>
  error._tag === "TelegramRateLimited"
    ? "rate_limited"
    : error._tag === "TelegramTransient"
    ? error.kind === "server" ? "server_error" : "network_error"
    : "client_error"
