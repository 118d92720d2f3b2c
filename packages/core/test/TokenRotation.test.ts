import { generateKeyPairSync } from "node:crypto"
import { it } from "@effect/vitest"
import { AdminId } from "@nezuko/domain"
import { ConfigProvider, Effect, Either, Layer } from "effect"
import { decodeProtectedHeader } from "jose"
import { expect } from "vitest"
import { AppConfig } from "../src/AppConfig.js"
import { Tokens } from "../src/Tokens.js"

const pair = () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString()
  }
}

const tokensWith = (env: Record<string, string>) =>
  Tokens.Default.pipe(
    Layer.provideMerge(AppConfig.Default),
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({ DATA_DIR: "/nonexistent-unused", CSRF_SECRET: "x".repeat(40), ...env })))))
  )

const subject = { id: AdminId.make("0b7f7a52-6e51-4a44-9d3c-2a8d2d4c6a10"), role: "admin" as const, familyId: "3f2b1c0e-8d7a-4e6b-9c5d-1a2b3c4d5e6f" }

it.effect("key rotation by key id: tokens of the old key stay valid while its public key is listed, and not after", () =>
  Effect.gen(function* () {
    const old = pair()
    const next = pair()
    const oldToken = yield* Effect.flatMap(Tokens, (t) => t.sign(subject)).pipe(Effect.provide(tokensWith({ JWT_PRIVATE_KEY: old.privatePem })))
    const rotated = tokensWith({ JWT_PRIVATE_KEY: next.privatePem, JWT_PUBLIC_KEYS: old.publicPem })
    const newToken = yield* Effect.flatMap(Tokens, (t) => t.sign(subject)).pipe(Effect.provide(rotated))
    expect(decodeProtectedHeader(newToken).kid).not.toBe(decodeProtectedHeader(oldToken).kid)
    const during = yield* Effect.flatMap(Tokens, (t) => Effect.all([Effect.either(t.verify(oldToken)), Effect.either(t.verify(newToken))])).pipe(Effect.provide(rotated))
    expect(during.map((e) => (Either.isLeft(e) ? JSON.stringify(e.left) : "ok"))).toEqual(["ok", "ok"])
    const after = yield* Effect.flatMap(Tokens, (t) => Effect.either(t.verify(oldToken))).pipe(Effect.provide(tokensWith({ JWT_PRIVATE_KEY: next.privatePem })))
    expect(Either.isLeft(after)).toBe(true)
  }))
