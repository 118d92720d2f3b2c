import { Predicate } from "effect"
import { ArrayFormatter, type ParseError } from "effect/ParseResult"
import type { ProblemCode } from "./problems.server.js"

export interface Mapped {
  readonly code: ProblemCode
  readonly detail: string
  readonly errors?: ReadonlyArray<{ readonly field: string; readonly message: string }>
  readonly retryAfterSeconds?: number
}

const message = (error: unknown, fallback: string) =>
  Predicate.hasProperty(error, "message") && typeof error.message === "string" && error.message !== "" ? error.message : fallback

const pointer = (path: ReadonlyArray<PropertyKey>) => `/${path.map((p) => String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`

/**
 * The one table from typed errors to SEC-11 problems (CONVENTIONS §8). Anything not listed here is a defect:
 * 500 SRV_001, logged with the request id, never shown in detail.
 */
export const mapError = (error: unknown): Mapped | undefined => {
  if (!Predicate.hasProperty(error, "_tag") || typeof error._tag !== "string") return undefined
  const retryAfterSeconds = Predicate.hasProperty(error, "retryAfterSeconds") && typeof error.retryAfterSeconds === "number"
    ? error.retryAfterSeconds
    : 60
  switch (error._tag) {
    case "Unauthenticated":
      return Predicate.hasProperty(error, "reason") && error.reason === "expired"
        ? { code: "AUTH_002", detail: message(error, "Session expired") }
        : { code: "AUTH_001", detail: message(error, "Please sign in.") }
    case "InvalidCredentials":
      return { code: "AUTH_001", detail: message(error, "Wrong email or password.") }
    case "Forbidden":
      return { code: "AUTH_003", detail: message(error, "Your role does not allow this.") }
    case "AccountInactive":
      return { code: "AUTH_006", detail: message(error, "This account is deactivated.") }
    case "RefreshInvalid":
      return { code: "AUTH_004", detail: message(error, "The refresh token is invalid or expired.") }
    case "RefreshReuse":
      return { code: "AUTH_005", detail: message(error, "Refresh-token reuse detected.") }
    case "CsrfRejected":
      return { code: "CSRF_001", detail: message(error, "CSRF check failed.") }
    case "ValidationFailed": {
      const errors = Predicate.hasProperty(error, "errors") && Array.isArray(error.errors)
        ? error.errors.map((e: { field: string; message: string }) => ({ field: e.field, message: e.message }))
        : []
      return { code: "VAL_001", detail: "Some fields are invalid.", errors }
    }
    case "ParseError":
      return {
        code: "VAL_001",
        detail: "Some fields are invalid.",
        // A union reports one issue per member; one error per field is what a form or a client can use.
        errors: ArrayFormatter.formatErrorSync(error as ParseError)
          .map((issue) => ({ field: pointer(issue.path), message: issue.message }))
          .filter((e, i, all) => all.findIndex((o) => o.field === e.field) === i)
      }
    case "NotFound":
    case "ChannelNotFound":
      return { code: "RES_001", detail: message(error, "Not found.") }
    case "Conflict":
      return { code: "RES_002", detail: message(error, "Conflict.") }
    case "RateLimitExceeded":
      return { code: "RATE_001", detail: message(error, "Too many requests."), retryAfterSeconds }
    case "LoginThrottled":
      return { code: "RATE_002", detail: message(error, "Too many sign-in attempts. Try again later."), retryAfterSeconds }
    case "DatabaseUnavailable":
      return { code: "EXT_001", detail: "The database is unavailable. Try again shortly." }
    case "CircuitOpen":
      return Predicate.hasProperty(error, "breaker") && error.breaker === "postgres"
        ? { code: "EXT_001", detail: "The database is unavailable. Try again shortly." }
        : { code: "EXT_003", detail: "Telegram is unavailable. Try again shortly." }
    default:
      return error._tag.startsWith("Telegram") ? { code: "EXT_003", detail: "Telegram is unavailable or refused the call." } : undefined
  }
}
