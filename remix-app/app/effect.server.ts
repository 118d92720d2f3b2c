import { type ActionFunctionArgs, data, type LoaderFunctionArgs, redirect } from "@remix-run/node"
import { AdminSessions, AppConfig, type Authorized, authorize, CurrentAdmin, Unauthenticated, type Permission } from "@nezuko/core"
import { Cause, Effect, Exit, Option, Predicate } from "effect"
import { cookiePolicy, parseCookies } from "./cookies.server.js"
import { mapError } from "./errors.server.js"
import type { PanelServices } from "./layers.server.js"
import { makeProblem, type Problem, problemResponse } from "./problems.server.js"
import { audit, RequestInfo, type RequestInfoShape } from "./request.server.js"
import { runPanel } from "./runtime.server.js"

type Args = LoaderFunctionArgs | ActionFunctionArgs
type Mode = "page" | "api"
type Base = PanelServices | RequestInfo
/** What a guarded program may use: the panel services, the request, the signed-in admin and its proof of P. */
export type Guarded<P extends Permission> = Base | CurrentAdmin | Authorized<P>

const mutating = (request: Request) => !["GET", "HEAD", "OPTIONS"].includes(request.method)

/** The admin of this request, from the access cookie (the pipeline has already refreshed an expired one). */
export const currentAdminFrom = Effect.gen(function* () {
  const info = yield* RequestInfo
  const config = yield* AppConfig
  const token = parseCookies(info.request.headers.get("cookie")).get(cookiePolicy(config.panelPublicUrl).names.access)
  if (token === undefined || token === "") return yield* new Unauthenticated({ reason: "missing" })
  return yield* Effect.flatMap(AdminSessions, (sessions) => sessions.authenticate(token))
})

// Until the password is changed, a must_change_password account reaches only the page that changes it (PANEL-3).
const passwordChangePaths = new Set(["/account/password", "/logout"])

/** The audit action of a refused mutation: fixed, or read from the submitted form (pages with several intents). */
export type AuditAction = string | ((form: FormData) => string)

const actionName = (info: RequestInfoShape, action: AuditAction | undefined, permission: Permission) =>
  typeof action === "function"
    ? Effect.promise(() => info.request.clone().formData().catch(() => new FormData())).pipe(Effect.map(action))
    : Effect.succeed(action ?? permission)

const guard = <P extends Permission, A, E>(permission: P, program: Effect.Effect<A, E, Guarded<P>>, mode: Mode, action?: AuditAction) =>
  Effect.gen(function* () {
    const info = yield* RequestInfo
    const admin = yield* CurrentAdmin
    if (mode === "page" && admin.mustChangePassword && !passwordChangePaths.has(info.url.pathname)) {
      return yield* Effect.die(redirect("/account/password"))
    }
    return yield* program.pipe(
      authorize(permission),
      // SEC-13: a refused attempt to change something is audited as `denied`.
      Effect.tapError((e) =>
        Predicate.isTagged(e, "Forbidden") && mutating(info.request)
          ? Effect.flatMap(actionName(info, action, permission), (name) =>
            audit({ action: name, resourceType: "route", resourceId: info.url.pathname, outcome: "denied" }))
          : Effect.void)
    )
  }).pipe(Effect.provideServiceEffect(CurrentAdmin, currentAdminFrom))

const problemFor = (info: RequestInfoShape, publicUrl: string, cause: Cause.Cause<unknown>) => {
  const failure = Cause.failureOption(cause)
  const mapped = Option.isSome(failure) ? mapError(failure.value) : undefined
  const at = { instance: info.url.pathname, requestId: info.context.requestId }
  return mapped === undefined
    ? { problem: makeProblem(publicUrl, "SRV_001", "Something went wrong on our side. The request id helps us find out what.", at), retryAfter: undefined }
    : { problem: makeProblem(publicUrl, mapped.code, mapped.detail, at, mapped.errors), retryAfter: mapped.retryAfterSeconds }
}

const run = async <A, E>(mode: Mode, program: Effect.Effect<A, E, Base>, args: Args): Promise<A | Response> => {
  const info: RequestInfoShape = { request: args.request, url: new URL(args.request.url), params: args.params, context: args.context }
  const exit = await runPanel(
    Effect.all([program.pipe(Effect.exit), AppConfig]).pipe(
      Effect.tap(([exit]) =>
        Exit.isFailure(exit) && Option.isNone(Option.flatMap(Cause.failureOption(exit.cause), (e) => Option.fromNullable(mapError(e)))) &&
          !isResponseDefect(exit.cause)
          ? Effect.logError("request failed", exit.cause)
          : Effect.void),
      Effect.provideService(RequestInfo, info),
      Effect.annotateLogs({ request_id: info.context.requestId, route: info.url.pathname })
    )
  )
  // The runtime itself failed to build (configuration, database): nothing to map, a 500 with the request id.
  if (Exit.isFailure(exit)) return fail(mode, info, "http://localhost", { problem: problemFor(info, "http://localhost", exit.cause).problem, retryAfter: undefined })
  const [result, config] = exit.value
  const publicUrl = config.panelPublicUrl.origin
  if (Exit.isSuccess(result)) {
    if (mode === "page" || result.value instanceof Response) return result.value
    return Response.json({ data: result.value })
  }
  // Redirects raised inside programs travel as defects carrying a Response (they are not errors).
  const response = responseDefect(result.cause)
  if (response !== undefined) {
    if (mode === "page") throw response
    return response
  }
  const failure = Cause.failureOption(result.cause)
  if (mode === "page" && Option.isSome(failure) && Predicate.isTagged(failure.value, "Unauthenticated")) {
    throw redirect(`/login?redirectTo=${encodeURIComponent(info.url.pathname + info.url.search)}`)
  }
  return fail(mode, info, publicUrl, problemFor(info, publicUrl, result.cause))
}

const responseDefect = (cause: Cause.Cause<unknown>) =>
  Option.getOrUndefined(Option.filter(Cause.dieOption(cause), (d): d is Response => d instanceof Response))
const isResponseDefect = (cause: Cause.Cause<unknown>) => responseDefect(cause) !== undefined

const fail = (mode: Mode, _info: RequestInfoShape, _publicUrl: string, out: { readonly problem: Problem; readonly retryAfter: number | undefined }) => {
  const headers: Record<string, string> = out.retryAfter === undefined ? {} : { "retry-after": String(out.retryAfter) }
  if (mode === "api") return problemResponse(out.problem, headers)
  // UI routes throw data(): Remix hands a JSON body to the error boundary as an object (CONVENTIONS §8).
  throw data(out.problem, { status: out.problem.status, headers })
}

/** Stops the program and answers with a redirect (or any Response): `yield* respond(redirect("/x"))`. */
export const respond = (response: Response) => Effect.die(response)

/**
 * The one guard every page loader and action goes through (SEC-15): authenticates from the cookies, checks
 * `permission` against PANEL-18 (deny by default: the permission is required), runs the program, and maps its
 * typed errors to responses. `action` names the audit action written when a mutation is refused.
 */
export const effectLoader = <P extends Permission, A, E>(permission: P, program: Effect.Effect<A, E, Guarded<P>>, action?: AuditAction) =>
  (args: Args) => run("page", guard(permission, program, "page", action), args) as Promise<A>
export const effectAction = effectLoader

/** JSON resource routes under /api/v1: the same guard; errors become problem+json instead of pages. */
export const apiLoader = <P extends Permission, A, E>(permission: P, program: Effect.Effect<A, E, Guarded<P>>, action?: AuditAction) =>
  (args: Args) => run("api", guard(permission, program, "api", action), args) as Promise<Response>
export const apiAction = apiLoader

/** Login, logout and the problem pages: no signed-in admin is needed (or provided). */
export const publicLoader = <A, E>(program: Effect.Effect<A, E, Base>) => (args: Args) => run("page", program, args) as Promise<A>
export const publicAction = publicLoader
export const publicApi = <A, E>(program: Effect.Effect<A, E, Base>) => (args: Args) => run("api", program, args) as Promise<Response>
