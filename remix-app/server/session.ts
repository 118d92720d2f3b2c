import { AdminSessions, AppConfig, Csrf, type CurrentAdminShape, KeyValueStore, RateLimitExceeded, CsrfRejected } from "@nezuko/core"
import { Duration, Effect, Option } from "effect"
import { clearCookie, cookiePolicy, parseCookies, serializeCookie, withCookie } from "../app/cookies.server.js"

export interface Prepared {
  /** The Cookie header Remix sees: refreshed access token in, dead cookies out. */
  readonly cookieHeader: string
  readonly setCookies: ReadonlyArray<string>
  readonly admin: Option.Option<CurrentAdminShape>
}

const loginPaths = new Set(["/login", "/api/v1/auth/login"])
const apiBudget = { all: 100, writes: 20, window: Duration.minutes(1) } // RATE_001

const submittedToken = (request: Request) => {
  const header = request.headers.get("x-csrf-token")
  if (header !== null) return Effect.succeed<string | null>(header)
  const type = request.headers.get("content-type") ?? ""
  if (!type.includes("application/x-www-form-urlencoded") && !type.includes("multipart/form-data")) return Effect.succeed(null)
  return Effect.promise(() =>
    request.clone().formData().then((form) => {
      const value = form.get("_csrf")
      return typeof value === "string" ? value : null
    }).catch(() => null))
}

/**
 * What happens before Remix sees a request: the session (with SEC-6's transparent refresh), the login form's
 * double-submit cookie, SEC-7's CSRF check on every mutating request, and RATE_001 on /api/v1. Fails with
 * CsrfRejected or RateLimitExceeded; everything else is left to the routes' guard.
 */
export const prepareRequest = (request: Request, client: { readonly ip: string | null; readonly requestId: string }) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const sessions = yield* AdminSessions
    const csrf = yield* Csrf
    const policy = cookiePolicy(config.panelPublicUrl)
    const { names } = policy
    const url = new URL(request.url)
    const cookies = parseCookies(request.headers.get("cookie"))
    const setCookies: Array<string> = []
    let cookieHeader = request.headers.get("cookie") ?? ""
    const mutating = !["GET", "HEAD", "OPTIONS"].includes(request.method)
    const audit = { actorType: "admin" as const, actorAdminId: null, ip: client.ip, clientUa: request.headers.get("user-agent"), requestId: client.requestId }

    const access = cookies.get(names.access)
    let admin = access
      ? yield* sessions.authenticate(access).pipe(Effect.map(Option.some), Effect.catchTags({
        Unauthenticated: () => Effect.succeed(Option.none()),
        AccountInactive: () => Effect.succeed(Option.none())
      }))
      : Option.none<CurrentAdminShape>()
    const refreshToken = cookies.get(names.refresh)
    // /api/v1/auth/* manage tokens themselves; refreshing here too would rotate twice.
    if (Option.isNone(admin) && refreshToken && !url.pathname.startsWith("/api/v1/auth/")) {
      const refreshed = yield* sessions.refresh(refreshToken, audit).pipe(Effect.map(Option.some), Effect.catchTags({
        RefreshInvalid: () => Effect.succeed(Option.none()),
        RefreshReuse: () => Effect.succeed(Option.none()),
        AccountInactive: () => Effect.succeed(Option.none())
      }))
      if (Option.isSome(refreshed)) {
        const session = refreshed.value
        admin = Option.some(session.admin)
        setCookies.push(serializeCookie(policy, names.access, session.accessToken, config.accessTokenTtl))
        if (Option.isSome(session.refreshToken)) setCookies.push(serializeCookie(policy, names.refresh, session.refreshToken.value, config.refreshTokenTtl))
        cookieHeader = withCookie(cookieHeader, names.access, session.accessToken)
      } else {
        setCookies.push(clearCookie(policy, names.access), clearCookie(policy, names.refresh))
        cookieHeader = withCookie(withCookie(cookieHeader, names.access, undefined), names.refresh, undefined)
      }
    }

    if (request.method === "GET" && url.pathname === "/login" && !cookies.has(names.loginCsrf)) {
      const token = csrf.loginToken()
      setCookies.push(serializeCookie(policy, names.loginCsrf, token, Duration.hours(12)))
      cookieHeader = withCookie(cookieHeader, names.loginCsrf, token)
    }

    if (mutating) {
      if (!csrf.originAllowed(request.headers)) return yield* new CsrfRejected({ reason: "origin" })
      const submitted = yield* submittedToken(request)
      if (loginPaths.has(url.pathname)) {
        if (!csrf.verifyDoubleSubmit(cookies.get(names.loginCsrf), submitted)) return yield* new CsrfRejected({ reason: "login token" })
      } else {
        const familyId = Option.isSome(admin)
          ? Option.some(admin.value.familyId)
          : refreshToken
          ? yield* sessions.familyOf(refreshToken)
          : Option.none<string>()
        // Without any session there is nothing to forge: the route's guard answers 401.
        if (Option.isSome(familyId) && !csrf.verifyToken(familyId.value, submitted)) return yield* new CsrfRejected({ reason: "token" })
      }
    }

    if (url.pathname.startsWith("/api/v1/") && Option.isSome(admin)) {
      const store = yield* KeyValueStore
      const over = (key: string, limit: number) =>
        Effect.gen(function* () {
          if ((yield* store.increment(key, apiBudget.window)) <= limit) return
          const left = Option.getOrElse(yield* store.ttl(key), () => apiBudget.window)
          return yield* new RateLimitExceeded({ retryAfterSeconds: Math.max(1, Math.ceil(Duration.toSeconds(left))) })
        }).pipe(Effect.catchTag("RedisError", () => Effect.void))
      yield* over(`api:rate:${admin.value.id}`, apiBudget.all)
      if (mutating) yield* over(`api:rate:w:${admin.value.id}`, apiBudget.writes)
    }
    return { cookieHeader, setCookies, admin } satisfies Prepared
  })
