import { AdminLogin, AdminSessions, AppConfig, type IssuedSession } from "@nezuko/core"
import { Effect, Option } from "effect"
import { clearCookie, cookiePolicy, parseCookies, serializeCookie } from "./cookies.server.js"
import { clientOf, RequestInfo, setCookie } from "./request.server.js"

/** Cookie names and flags for this deployment (SEC-6). */
export const cookies = Effect.map(AppConfig, (config) => cookiePolicy(config.panelPublicUrl))

export const readCookie = (name: (names: ReturnType<typeof cookiePolicy>["names"]) => string) =>
  Effect.gen(function* () {
    const policy = yield* cookies
    const info = yield* RequestInfo
    return Option.fromNullable(parseCookies(info.request.headers.get("cookie")).get(name(policy.names)))
  })

/** Puts a freshly issued session in its cookies; the refresh cookie only when a new refresh token exists. */
export const setSessionCookies = (session: IssuedSession) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const policy = yield* cookies
    yield* setCookie(serializeCookie(policy, policy.names.access, session.accessToken, config.accessTokenTtl))
    if (Option.isSome(session.refreshToken)) {
      yield* setCookie(serializeCookie(policy, policy.names.refresh, session.refreshToken.value, config.refreshTokenTtl))
    }
  })

export const clearSessionCookies = Effect.gen(function* () {
  const policy = yield* cookies
  yield* setCookie(clearCookie(policy, policy.names.access))
  yield* setCookie(clearCookie(policy, policy.names.refresh))
})

/** Email and password sign-in for both the form and the JSON API; sets the cookies on success. */
export const signIn = (email: string, password: string) =>
  Effect.gen(function* () {
    const info = yield* RequestInfo
    const login = yield* AdminLogin
    const session = yield* login.login(email, password, { ...clientOf(info), actorType: "admin", actorAdminId: null })
    yield* setSessionCookies(session)
    return session
  })

/** Ends the sign-in the refresh cookie belongs to (whether or not the access token still works). */
export const signOut = Effect.gen(function* () {
  const info = yield* RequestInfo
  const sessions = yield* AdminSessions
  const refresh = yield* readCookie((n) => n.refresh)
  const family = Option.isSome(refresh) ? yield* sessions.familyOf(refresh.value) : Option.none<string>()
  if (Option.isSome(family)) {
    const access = yield* readCookie((n) => n.access)
    const admin = Option.isSome(access) ? yield* Effect.option(sessions.authenticate(access.value)) : Option.none()
    yield* sessions.end(family.value, {
      ...clientOf(info),
      actorType: "admin",
      actorAdminId: Option.getOrNull(Option.map(admin, (a) => a.id))
    })
  }
  yield* clearSessionCookies
})
