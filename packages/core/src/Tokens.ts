import { randomUUID } from "node:crypto"
import { AdminId, type Role } from "@nezuko/domain"
import { createLocalJWKSet, errors, jwtVerify, SignJWT } from "jose"
import { Duration, Effect, Schema } from "effect"
import { AppConfig } from "./AppConfig.js"
import { AuthKeys } from "./AuthKeys.js"
import { Unauthenticated } from "./AuthErrors.js"

/** The claims Nezuko puts in an access token (SEC-3). `role` is informative: the database row decides. */
export const AccessClaims = Schema.Struct({
  sub: AdminId,
  role: Schema.Literal("owner", "admin", "viewer"),
  fid: Schema.UUID,
  jti: Schema.String,
  iat: Schema.Number,
  exp: Schema.Number
})
export type AccessClaims = typeof AccessClaims.Type

const leewaySeconds = 30

/** ES256 access tokens: signing with the current key, verification against every configured public key. */
export class Tokens extends Effect.Service<Tokens>()("@nezuko/core/Tokens", {
  effect: Effect.gen(function* () {
    const config = yield* AppConfig
    const keys = yield* AuthKeys
    const keySet = createLocalJWKSet({ keys: [...keys.publicKeys] })
    const ttlSeconds = Math.round(Duration.toSeconds(config.accessTokenTtl))
    const decodeClaims = Schema.decodeUnknown(AccessClaims)

    const sign = (subject: { readonly id: AdminId; readonly role: Role; readonly familyId: string }) =>
      Effect.promise(() =>
        new SignJWT({ role: subject.role, fid: subject.familyId })
          .setProtectedHeader({ alg: "ES256", kid: keys.kid, typ: "JWT" })
          .setIssuer(config.jwtIssuer)
          .setAudience(config.jwtAudience)
          .setSubject(subject.id)
          .setJti(randomUUID())
          .setIssuedAt()
          .setNotBefore("0s")
          .setExpirationTime(`${ttlSeconds}s`)
          .sign(keys.signingKey)
      ).pipe(Effect.withSpan("Tokens.sign"))

    // The algorithm is pinned: alg=none and HS256 tokens signed with a public key are refused before any key
    // is used. iss, aud, exp and nbf are checked with SEC-3's 30 s leeway.
    const verify = (token: string) =>
      Effect.tryPromise({
        try: () =>
          jwtVerify(token, keySet, {
            algorithms: ["ES256"],
            issuer: config.jwtIssuer,
            audience: config.jwtAudience,
            clockTolerance: leewaySeconds,
            requiredClaims: ["sub", "fid", "jti", "iat", "exp", "nbf"]
          }),
        catch: (e) => new Unauthenticated({ reason: e instanceof errors.JWTExpired ? "expired" : "invalid" })
      }).pipe(
        Effect.flatMap(({ payload }) => decodeClaims(payload)),
        Effect.catchTag("ParseError", () => new Unauthenticated({ reason: "invalid" })),
        Effect.withSpan("Tokens.verify")
      )

    return { sign, verify, ttlSeconds } as const
  }),
  dependencies: [AuthKeys.Default]
}) {}
