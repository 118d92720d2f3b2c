import { Schema } from "effect"

// Outcomes of panel authentication and authorization. They carry no HTTP knowledge: the panel maps each to
// its SEC-11 code in one table (remix-app/app/effect.server.ts).

/** No usable session: no access token and no valid refresh token. `expired` distinguishes AUTH_002. */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", {
  reason: Schema.Literal("missing", "expired", "invalid")
}) {
  override get message() {
    return this.reason === "expired" ? "Your session has expired. Please sign in again." : "Please sign in."
  }
}

/** Wrong email or password: deliberately the same message for both. */
export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>()("InvalidCredentials", {}) {
  override get message() {
    return "Wrong email or password."
  }
}

export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", { permission: Schema.String }) {
  override get message() {
    return "Your role does not allow this."
  }
}

export class AccountInactive extends Schema.TaggedError<AccountInactive>()("AccountInactive", {}) {
  override get message() {
    return "This account is deactivated."
  }
}

export class RefreshInvalid extends Schema.TaggedError<RefreshInvalid>()("RefreshInvalid", {}) {
  override get message() {
    return "The refresh token is invalid or expired."
  }
}

export class RefreshReuse extends Schema.TaggedError<RefreshReuse>()("RefreshReuse", {}) {
  override get message() {
    return "This session was ended because a refresh token was used twice. Please sign in again."
  }
}

export class CsrfRejected extends Schema.TaggedError<CsrfRejected>()("CsrfRejected", { reason: Schema.String }) {
  override get message() {
    return "The request was refused by the cross-site request forgery check. Reload the page and try again."
  }
}

/** Login throttled by IP or account locked: one error, one body, so accounts cannot be enumerated (SEC-8). */
export class LoginThrottled extends Schema.TaggedError<LoginThrottled>()("LoginThrottled", { retryAfterSeconds: Schema.Int }) {
  override get message() {
    return "Too many sign-in attempts. Try again later."
  }
}

/** Per-user API budget exhausted (RATE_001). */
export class RateLimitExceeded extends Schema.TaggedError<RateLimitExceeded>()("RateLimitExceeded", { retryAfterSeconds: Schema.Int }) {
  override get message() {
    return "Too many requests. Slow down and retry later."
  }
}
