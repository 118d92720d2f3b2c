import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { Effect, Redacted } from "effect"
import { AppConfig } from "./AppConfig.js"
import { AuthKeys } from "./AuthKeys.js"

const equal = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * SEC-7: the origin check and the CSRF token, HMAC-SHA256(CSRF_SECRET, refresh family id). The token is bound
 * to a sign-in, so it changes with every login and dies with the family; it needs no storage.
 */
export class Csrf extends Effect.Service<Csrf>()("@nezuko/core/Csrf", {
  effect: Effect.gen(function* () {
    const config = yield* AppConfig
    const keys = yield* AuthKeys
    const secret = Redacted.value(keys.csrfSecret)
    const origins = new Set([config.panelPublicUrl.origin, ...config.panelAllowedOrigins.map((u) => u.origin)])

    const tokenFor = (familyId: string) => createHmac("sha256", secret).update(familyId).digest("base64url")

    return {
      tokenFor,
      /** A random value for the login form's double-submit cookie. */
      loginToken: () => randomBytes(24).toString("base64url"),
      verifyToken: (familyId: string, submitted: string | null | undefined) =>
        typeof submitted === "string" && equal(tokenFor(familyId), submitted),
      /** Double-submit: the cookie and the submitted value must both be present and equal. */
      verifyDoubleSubmit: (cookie: string | undefined, submitted: string | null | undefined) =>
        typeof cookie === "string" && cookie.length >= 16 && typeof submitted === "string" && equal(cookie, submitted),
      /** `Origin`, or when absent the origin of `Referer`, must be the panel's or an allowed one. */
      originAllowed: (headers: Headers) => {
        const origin = headers.get("origin")
        if (origin !== null) return origins.has(origin)
        const referer = headers.get("referer")
        if (referer === null) return false
        try {
          return origins.has(new URL(referer).origin)
        } catch {
          return false
        }
      },
      isAllowedCorsOrigin: (origin: string) => config.panelAllowedOrigins.some((u) => u.origin === origin)
    } as const
  }),
  dependencies: [AuthKeys.Default]
}) {}
