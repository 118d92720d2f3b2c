import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer, Option, Redacted } from "effect"
import { AppConfig } from "./AppConfig.js"
import { Health } from "./Health.js"
import { renderPrometheus } from "./Metrics.js"

const bearer = (header: string | undefined) => (header?.startsWith("Bearer ") ? header.slice(7) : undefined)

// Constant-time enough for a short token: compare every character regardless of where they differ.
const sameToken = (given: string | undefined, expected: string) => {
  if (given === undefined || given.length !== expected.length) return false
  let diff = 0
  for (let i = 0; i < expected.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i)
  return diff === 0
}

/** /healthz, /readyz and /metrics (SPEC OPS-4, SEC-20); no CORS headers (SEC-9). */
export const healthRouter = Effect.gen(function* () {
  const health = yield* Health
  const config = yield* AppConfig
  return HttpRouter.empty.pipe(
    HttpRouter.get("/healthz", HttpServerResponse.json({ status: "ok" })),
    HttpRouter.get(
      "/readyz",
      Effect.flatMap(health.report, (report) => HttpServerResponse.json(report, { status: report.ready ? 200 : 503 }))
    ),
    HttpRouter.get(
      "/metrics",
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        if (Option.isSome(config.metricsToken) && !sameToken(bearer(request.headers.authorization), Redacted.value(config.metricsToken.value))) {
          return HttpServerResponse.text("unauthorized\n", { status: 401, headers: { "www-authenticate": "Bearer" } })
        }
        return HttpServerResponse.text(yield* renderPrometheus, { contentType: "text/plain; version=0.0.4; charset=utf-8" })
      })
    )
  )
})

/**
 * Serves the health endpoints on HEALTH_PORT. Containers need them on every interface; a developer's machine
 * does not, so development binds loopback only.
 */
export const HealthServerLive = Layer.unwrapEffect(
  Effect.gen(function* () {
    const config = yield* AppConfig
    const router = yield* healthRouter
    const host = config.environment === "production" ? "0.0.0.0" : "127.0.0.1"
    return HttpServer.serve(router).pipe(
      HttpServer.withLogAddress,
      Layer.provide(NodeHttpServer.layer(() => createServer(), { port: config.healthPort, host }))
    )
  })
)
