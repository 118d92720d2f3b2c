import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { expect } from "vitest"
import { AppConfig } from "../src/AppConfig.js"
import { Csrf } from "../src/Csrf.js"

const withOrigins = (allowed: string) =>
  Csrf.Default.pipe(
    Layer.provide(AppConfig.Default),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map([
      ["DATA_DIR", mkdtempSync(join(tmpdir(), "nezuko-cors-"))],
      ["PANEL_PUBLIC_URL", "https://panel.example.org"],
      ["PANEL_ALLOWED_ORIGINS", allowed]
    ]))))
  )

it.effect("SEC-7/SEC-9: listed origins pass CORS and the origin check exactly; nothing else does", () =>
  Effect.gen(function* () {
    const csrf = yield* Csrf
    expect(csrf.isAllowedCorsOrigin("https://tools.example.org")).toBe(true)
    expect(csrf.isAllowedCorsOrigin("https://tools.example.org.evil.example")).toBe(false)
    expect(csrf.isAllowedCorsOrigin("http://tools.example.org")).toBe(false)
    // The panel itself is same-origin: it needs no CORS headers.
    expect(csrf.isAllowedCorsOrigin("https://panel.example.org")).toBe(false)
    expect(csrf.originAllowed(new Headers({ origin: "https://tools.example.org" }))).toBe(true)
    expect(csrf.originAllowed(new Headers({ origin: "https://panel.example.org" }))).toBe(true)
    expect(csrf.originAllowed(new Headers({ referer: "https://panel.example.org/groups?page=2" }))).toBe(true)
    expect(csrf.originAllowed(new Headers({ origin: "https://evil.example" }))).toBe(false)
    expect(csrf.originAllowed(new Headers({}))).toBe(false)
  }).pipe(Effect.provide(withOrigins("https://tools.example.org"))))

it.effect("with no allow-list (the default) no cross origin is allowed", () =>
  Effect.gen(function* () {
    const csrf = yield* Csrf
    expect(csrf.isAllowedCorsOrigin("https://tools.example.org")).toBe(false)
  }).pipe(Effect.provide(withOrigins(""))))
