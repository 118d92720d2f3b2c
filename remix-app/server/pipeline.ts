import { randomBytes } from "node:crypto"
import { HttpApp } from "@effect/platform"
import type { AppLoadContext } from "@remix-run/node"
import { AppConfig, Csrf, healthRouter, httpDuration, httpRequests } from "@nezuko/core"
import { Cause, Effect, Exit, Metric, Option } from "effect"
import { mapError } from "../app/errors.server.js"
import { makeProblem, problemResponse } from "../app/problems.server.js"
import type { PanelRuntime } from "../app/runtime.server.js"
import { requestIdOf } from "./requestId.js"
import { corsHeaders, securityHeaders } from "./securityHeaders.js"
import { prepareRequest } from "./session.js"

export type RemixHandler = (request: Request, context: AppLoadContext) => Promise<Response>
export type PanelHandler = (request: Request, peer: { readonly ip: string | null }) => Promise<Response>

const healthPaths = new Set(["/healthz", "/readyz", "/metrics"])

// Metric labels must stay few: the first path segment, ids folded away.
const routeLabel = (path: string) => {
  if (path.startsWith("/api/v1/")) return `/api/v1/${path.split("/")[3] ?? ""}`
  if (path.startsWith("/assets/")) return "/assets"
  return `/${path.split("/")[1] ?? ""}`
}

const htmlProblem = (title: string, detail: string, requestId: string, status: number) =>
  new Response(
    `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><body style="font-family:system-ui;max-width:40rem;margin:4rem auto;padding:0 1rem">` +
      `<h1>${title}</h1><p>${detail}</p><p><small>Request id: <code>${requestId}</code></small></p><p><a href="/dashboard">Back to the panel</a></p></body></html>`,
    { status, headers: { "content-type": "text/html; charset=utf-8" } }
  )

/**
 * The panel's HTTP pipeline around Remix, as a fetch handler (node:http and the tests both call it): request
 * ids (SEC-12), health endpoints (OPS-4), CORS (SEC-9), the session and CSRF (SEC-6, SEC-7), RATE_001,
 * security headers (SEC-10), metrics and one access-log line per request.
 */
export const makePanelHandler = async (runtime: PanelRuntime, remix: RemixHandler, options: { readonly dev: boolean }): Promise<PanelHandler> => {
  const effectRuntime = await runtime.runtime()
  const config = await runtime.runPromise(AppConfig)
  const csrf = await runtime.runPromise(Csrf)
  const health = HttpApp.toWebHandlerRuntime(effectRuntime)(await runtime.runPromise(healthRouter))
  const publicUrl = config.panelPublicUrl.origin
  const production = config.environment === "production"

  const handle = async (request: Request, peer: { readonly ip: string | null }, requestId: string, nonce: string): Promise<{ response: Response; admin?: string }> => {
    const url = new URL(request.url)
    if (healthPaths.has(url.pathname)) return { response: await health(request) }
    const api = url.pathname.startsWith("/api/")
    const origin = request.headers.get("origin")
    const crossOrigin = api && origin !== null && origin !== publicUrl
    const corsOrigin = crossOrigin && csrf.isAllowedCorsOrigin(origin) ? origin : undefined
    if (api && request.method === "OPTIONS") {
      // SEC-9: a preflight from an origin not listed exactly is refused, with no CORS headers at all.
      if (crossOrigin && corsOrigin === undefined) return { response: new Response(null, { status: 403 }) }
      return { response: new Response(null, { status: corsOrigin ? 204 : 405, headers: corsOrigin ? corsHeaders(corsOrigin) : {} }) }
    }
    const prepared = await runtime.runPromiseExit(prepareRequest(request, { ip: peer.ip, requestId }))
    if (Exit.isFailure(prepared)) {
      const failure = Cause.failureOption(prepared.cause)
      const mapped = Option.isSome(failure) ? mapError(failure.value) : undefined
      if (mapped === undefined) await runtime.runPromise(Effect.logError("request pipeline failed", prepared.cause).pipe(Effect.annotateLogs("request_id", requestId)))
      const problem = makeProblem(publicUrl, mapped?.code ?? "SRV_001", mapped?.detail ?? "Something went wrong on our side.", { instance: url.pathname, requestId })
      const headers: Record<string, string> = mapped?.retryAfterSeconds === undefined ? {} : { "retry-after": String(mapped.retryAfterSeconds) }
      const wantsHtml = !api && (request.headers.get("accept") ?? "").includes("text/html")
      const response = wantsHtml ? htmlProblem(problem.title, problem.detail, requestId, problem.status) : problemResponse(problem, headers)
      return { response }
    }
    const { admin, cookieHeader, setCookies } = prepared.value
    const headers = new Headers(request.headers)
    headers.set("cookie", cookieHeader)
    headers.set("x-request-id", requestId)
    // Remix repeats a weaker origin check on actions (Origin host against Host). Ours already passed against
    // PANEL_PUBLIC_URL and PANEL_ALLOWED_ORIGINS, so the host Remix compares with is the accepted origin's.
    if (origin !== null && origin !== "null") headers.set("x-forwarded-host", new URL(origin).host)
    else headers.delete("x-forwarded-host")
    const forwarded = new Request(request, { headers })
    const context: AppLoadContext = { requestId, nonce, ip: peer.ip, responseCookies: [...setCookies] }
    const response = await remix(forwarded, context)
    const out = new Response(response.body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) })
    for (const cookie of context.responseCookies) out.headers.append("set-cookie", cookie)
    if (corsOrigin !== undefined) for (const [k, v] of Object.entries(corsHeaders(corsOrigin))) out.headers.set(k, v)
    return Option.isSome(admin) ? { response: out, admin: admin.value.id } : { response: out }
  }

  return async (request, peer) => {
    const started = performance.now()
    const requestId = requestIdOf(request.headers)
    const nonce = randomBytes(16).toString("base64")
    const { admin, response } = await handle(request, peer, requestId, nonce).catch(async (error: unknown) => {
      await runtime.runPromise(Effect.logError("unhandled error in the panel", Cause.die(error)).pipe(Effect.annotateLogs("request_id", requestId)))
      const url = new URL(request.url)
      return { response: problemResponse(makeProblem(publicUrl, "SRV_001", "Something went wrong on our side.", { instance: url.pathname, requestId })), admin: undefined }
    })
    const url = new URL(request.url)
    response.headers.set("x-request-id", requestId)
    if (!healthPaths.has(url.pathname)) {
      for (const [k, v] of Object.entries(securityHeaders(nonce, { production, dev: options.dev }))) response.headers.set(k, v)
      if (!url.pathname.startsWith("/assets/")) response.headers.set("cache-control", "no-store")
    }
    const elapsed = performance.now() - started
    const labels = { route: routeLabel(url.pathname), method: request.method, status: String(response.status) }
    void runtime.runPromise(
      Effect.all([
        Metric.increment(Metric.tagged(Metric.tagged(Metric.tagged(httpRequests, "route", labels.route), "method", labels.method), "status", labels.status)),
        Metric.update(Metric.tagged(Metric.tagged(httpDuration, "route", labels.route), "method", labels.method), elapsed / 1000),
        healthPaths.has(url.pathname) || url.pathname.startsWith("/assets/") || url.pathname.startsWith("/@") || url.pathname.startsWith("/node_modules/")
          ? Effect.void
          : Effect.logInfo(`${request.method} ${url.pathname} ${response.status}`).pipe(Effect.annotateLogs({
            request_id: requestId, method: request.method, route: labels.route, status: labels.status,
            duration_ms: String(Math.round(elapsed)), ...(admin === undefined ? {} : { admin_id: admin })
          }))
      ], { discard: true })
    )
    return response
  }
}
