import { AdminAccounts, AdminSessions } from "@nezuko/core"
import { data, redirect } from "@remix-run/node"
import { Effect, Option, Schema } from "effect"
import { readCookie, signIn } from "../../auth.server.js"
import { formData, RequestInfo } from "../../request.server.js"

/** Only a path on this site: `//evil.example` or a full URL would make the login an open redirect. */
export const safeRedirect = (to: unknown, fallback = "/dashboard") =>
  typeof to === "string" && to.startsWith("/") && !to.startsWith("//") && !to.startsWith("/\\") ? to : fallback

export const show = Effect.gen(function* () {
  const info = yield* RequestInfo
  const redirectTo = safeRedirect(info.url.searchParams.get("redirectTo"))
  const access = yield* readCookie((n) => n.access)
  if (Option.isSome(access)) {
    const signedIn = yield* Effect.option(Effect.flatMap(AdminSessions, (s) => s.authenticate(access.value)))
    if (Option.isSome(signedIn)) return redirect(redirectTo)
  }
  const csrf = yield* readCookie((n) => n.loginCsrf)
  return {
    csrf: Option.getOrElse(csrf, () => ""),
    redirectTo,
    // PANEL-3 / SEC-14: with no admin at all there is nobody to sign in as yet.
    noAdmins: (yield* Effect.flatMap(AdminAccounts, (a) => a.countAll)) === 0
  }
})

const LoginForm = Schema.Struct({
  email: Schema.String.pipe(Schema.maxLength(254)),
  password: Schema.String.pipe(Schema.maxLength(1024)),
  redirectTo: Schema.optional(Schema.String)
})

/** Every refusal shows the same words, whatever the reason (SEC-8): only the status differs. */
export const submit = Effect.gen(function* () {
  const form = yield* formData
  const input = yield* Schema.decodeUnknown(LoginForm)(Object.fromEntries(form)).pipe(
    Effect.orElseSucceed(() => ({ email: "", password: "", redirectTo: undefined }))
  )
  return yield* signIn(input.email, input.password).pipe(
    Effect.map((session) => redirect(session.admin.mustChangePassword ? "/account/password" : safeRedirect(input.redirectTo), 303)),
    Effect.catchTags({
      InvalidCredentials: (e) => Effect.succeed(data({ error: e.message, email: input.email }, { status: 401 })),
      AccountInactive: (e) => Effect.succeed(data({ error: e.message, email: input.email }, { status: 403 })),
      LoginThrottled: (e) =>
        Effect.succeed(data({ error: e.message, email: input.email }, { status: 429, headers: { "retry-after": String(e.retryAfterSeconds) } }))
    })
  )
})
