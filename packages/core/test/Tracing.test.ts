import { createServer } from "node:http"
import { it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { expect } from "vitest"
import { AppConfig } from "../src/AppConfig.js"
import { TracingLive } from "../src/Tracing.js"

const withConfig = (env: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

it.live("with OTEL_EXPORTER_OTLP_ENDPOINT set, spans are exported over OTLP/HTTP", () =>
  Effect.gen(function* () {
    const bodies: Array<{ url: string; body: string }> = []
    const server = createServer((req, res) => {
      let body = ""
      req.on("data", (c: Buffer) => (body += c.toString()))
      req.on("end", () => {
        bodies.push({ url: req.url ?? "", body })
        res.setHeader("content-type", "application/json")
        res.end("{}")
      })
    })
    yield* Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void)))
    const address = server.address()
    const port = typeof address === "object" && address ? address.port : 0
    const tracing = TracingLive("bot").pipe(
      Layer.provide(AppConfig.Default),
      Layer.provide(withConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }))
    )
    // Building and releasing the layer flushes the exporter, so the span must have arrived afterwards.
    yield* Effect.scoped(Effect.gen(function* () {
      yield* Layer.buildWithScope(tracing, yield* Effect.scope).pipe(
        Effect.flatMap((ctx) => Effect.provide(Effect.withSpan(Effect.sleep("5 millis"), "Enforcement.onMessage"), ctx))
      )
    }))
    server.close()
    const traces = bodies.filter((b) => b.url === "/v1/traces")
    expect(traces.length).toBeGreaterThan(0)
    expect(traces.map((t) => t.body).join()).toContain("Enforcement.onMessage")
    expect(traces.map((t) => t.body).join()).toContain("nezuko-bot")
  }), 15_000)

it.effect("without an endpoint, tracing adds nothing", () =>
  Effect.gen(function* () {
    const ctx = yield* Layer.build(TracingLive("bot").pipe(Layer.provide(AppConfig.Default), Layer.provide(withConfig({}))))
    expect(ctx.unsafeMap.size).toBe(0)
  }).pipe(Effect.scoped))
