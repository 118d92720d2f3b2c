import type { AppLoadContext, LoaderFunctionArgs } from "@remix-run/node"
import { type AuditContext, AuditTrail, type AuditEvent, CurrentAdmin } from "@nezuko/core"
import { Context, Effect, Option } from "effect"

export interface RequestInfoShape {
  readonly request: Request
  readonly url: URL
  readonly params: LoaderFunctionArgs["params"]
  readonly context: AppLoadContext
}

/** The current HTTP request, provided per request by the loader/action helpers (CONVENTIONS §8). */
export class RequestInfo extends Context.Tag("@nezuko/panel/RequestInfo")<RequestInfo, RequestInfoShape>() {}

export const clientOf = (info: RequestInfoShape): Omit<AuditContext, "actorType" | "actorAdminId"> => ({
  ip: info.context.ip,
  clientUa: info.request.headers.get("user-agent")?.slice(0, 512) ?? null,
  requestId: info.context.requestId
})

/** The audit context of this request: the signed-in admin if any, IP, user agent and request id (SEC-13). */
export const auditContext = Effect.gen(function* () {
  const info = yield* RequestInfo
  const admin = yield* Effect.serviceOption(CurrentAdmin)
  return {
    ...clientOf(info),
    actorType: "admin",
    actorAdminId: Option.match(admin, { onNone: () => null, onSome: (a) => a.id })
  } satisfies AuditContext
})

/** Writes one audit row for this request. */
export const audit = (event: AuditEvent) =>
  Effect.flatMap(auditContext, (context) => Effect.flatMap(AuditTrail, (trail) => trail.record(context, event)))

/** Appends a Set-Cookie to this response (the pipeline adds them, whatever the route returns). */
export const setCookie = (cookie: string) =>
  Effect.flatMap(RequestInfo, (info) => Effect.sync(() => void info.context.responseCookies.push(cookie)))

/** The submitted form, or an empty one for other bodies. */
export const formData = Effect.flatMap(RequestInfo, (info) =>
  Effect.promise(() => info.request.clone().formData().catch(() => new FormData())))
