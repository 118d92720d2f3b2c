import { AdminSessions, RefreshInvalid } from "@nezuko/core"
import { Effect, Option } from "effect"
import { clearSessionCookies, readCookie, setSessionCookies } from "../auth.server.js"
import { publicApi } from "../effect.server.js"
import { clientOf, RequestInfo } from "../request.server.js"

/**
 * POST /api/v1/auth/refresh (SEC-4, SEC-5): rotates the refresh cookie. A reused token revokes its family and
 * answers 401 AUTH_005; either refusal clears both cookies.
 */
export const action = publicApi(Effect.gen(function* () {
  const info = yield* RequestInfo
  const token = yield* readCookie((n) => n.refresh)
  if (Option.isNone(token)) return yield* new RefreshInvalid()
  const sessions = yield* AdminSessions
  const session = yield* sessions.refresh(token.value, { ...clientOf(info), actorType: "admin", actorAdminId: null })
  yield* setSessionCookies(session)
  return { csrf_token: session.csrfToken, rotated: Option.isSome(session.refreshToken) }
}).pipe(Effect.tapErrorTag("RefreshReuse", () => clearSessionCookies), Effect.tapErrorTag("RefreshInvalid", () => clearSessionCookies)))
