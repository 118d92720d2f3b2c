import { createHmac, generateKeyPairSync } from "node:crypto"
import { layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { AdminUserRepo, AlertRepo, LoginAttemptRepo } from "@nezuko/db"
import { base64url, SignJWT } from "jose"
import { Effect, Option, Redacted } from "effect"
import { expect } from "vitest"
import { AdminAccounts } from "../src/AdminAccounts.js"
import { AdminLogin } from "../src/AdminLogin.js"
import { AdminSessions } from "../src/AdminSessions.js"
import type { AuditContext } from "../src/AuditTrail.js"
import { AuthKeys } from "../src/AuthKeys.js"
import { AppConfig } from "../src/AppConfig.js"
import { Csrf } from "../src/Csrf.js"
import { Tokens } from "../src/Tokens.js"
import { authTestLayer } from "./authTestLayer.js"

const client = (ip: string): AuditContext => ({ actorType: "admin", actorAdminId: null, ip, clientUa: "vitest", requestId: "req-test-0001" })
const cli: AuditContext = { actorType: "cli", actorAdminId: null, ip: null, clientUa: null, requestId: null }
const password = "a long and unusual passphrase"

const createAdmin = (email: string, role: "owner" | "admin" | "viewer" = "admin") =>
  Effect.flatMap(AdminAccounts, (accounts) =>
    accounts.create({ email, displayName: null, role, password: Option.some(password), force: true }, cli))

const refreshTokenOf = (session: { readonly refreshToken: Option.Option<string> }) =>
  Option.getOrThrowWith(session.refreshToken, () => new Error("no refresh token issued"))

layer(authTestLayer(), { timeout: "60 seconds", excludeTestServices: true })("panel authentication", (it) => {
  it.effect("login succeeds with the right password and fails generically otherwise", () =>
    Effect.gen(function* () {
      yield* createAdmin("ok@example.com")
      const login = yield* AdminLogin
      const session = yield* login.login("OK@example.com ", password, client("10.1.0.1"))
      expect(session.admin.email).toBe("ok@example.com")
      expect(Option.isSome(session.refreshToken)).toBe(true)
      const wrong = yield* Effect.flip(login.login("ok@example.com", "not the password at all", client("10.1.0.2")))
      const unknown = yield* Effect.flip(login.login("nobody@example.com", password, client("10.1.0.3")))
      expect(wrong._tag).toBe("InvalidCredentials")
      expect(unknown._tag).toBe("InvalidCredentials")
      expect(wrong.message).toBe(unknown.message)
      const attempts = yield* Effect.flatMap(LoginAttemptRepo, (r) => r.recentForEmail("ok@example.com"))
      expect(attempts.map((a) => [a.success, a.reason])).toEqual([[false, "bad_password"], [true, null]])
    }))

  it.effect("ten failures lock the account; the locked answer is the IP-throttle answer; an unlock releases it", () =>
    Effect.gen(function* () {
      yield* createAdmin("lock@example.com")
      const login = yield* AdminLogin
      // A different IP per attempt, so only the account counter is at work.
      for (let i = 0; i < 10; i++) yield* Effect.flip(login.login("lock@example.com", `wrong password ${i}!!`, client(`10.2.0.${i}`)))
      const locked = yield* Effect.flip(login.login("lock@example.com", password, client("10.2.1.1")))
      expect(locked._tag).toBe("LoginThrottled")
      const row = Option.getOrThrow(yield* Effect.flatMap(AdminUserRepo, (r) => r.findByEmail("lock@example.com")))
      expect(row.lockCount).toBe(1)
      expect((row.lockedUntil?.getTime() ?? 0) - Date.now()).toBeGreaterThan(14 * 60_000)
      yield* Effect.flatMap(AdminAccounts, (a) => a.unlock("lock@example.com", cli))
      const session = yield* login.login("lock@example.com", password, client("10.2.1.2"))
      expect(session.admin.email).toBe("lock@example.com")
    }))

  it.effect("AT-21 (service level): five failures from one IP, then the right password is throttled", () =>
    Effect.gen(function* () {
      yield* createAdmin("ip@example.com")
      const login = yield* AdminLogin
      for (let i = 0; i < 5; i++) yield* Effect.flip(login.login("ip@example.com", `wrong password ${i}!!`, client("10.3.0.1")))
      const sixth = yield* Effect.flip(login.login("ip@example.com", password, client("10.3.0.1")))
      expect(sixth._tag).toBe("LoginThrottled")
      if (sixth._tag === "LoginThrottled") expect(sixth.retryAfterSeconds).toBeGreaterThan(800)
      const attempts = yield* Effect.flatMap(LoginAttemptRepo, (r) => r.recentForEmail("ip@example.com"))
      expect(attempts.length).toBe(6)
      expect(attempts[0]?.reason).toBe("ip_throttled")
    }))

  it.effect("refresh rotates; a rotated token inside 30 s only re-issues access; after 30 s it revokes the family", () =>
    Effect.gen(function* () {
      yield* createAdmin("rot@example.com")
      const login = yield* AdminLogin
      const sessions = yield* AdminSessions
      const sql = yield* SqlClient.SqlClient
      const first = yield* login.login("rot@example.com", password, client("10.4.0.1"))
      const other = yield* login.login("rot@example.com", password, client("10.4.0.2"))
      const rt1 = refreshTokenOf(first)
      const second = yield* sessions.refresh(rt1, client("10.4.0.1"))
      const rt2 = refreshTokenOf(second)
      expect(rt2).not.toBe(rt1)
      expect(second.admin.familyId).toBe(first.admin.familyId)
      const grace = yield* sessions.refresh(rt1, client("10.4.0.1"))
      expect(Option.isNone(grace.refreshToken)).toBe(true)
      expect(grace.accessToken.length).toBeGreaterThan(20)
      yield* sql`UPDATE admin_refresh_tokens SET rotated_at = rotated_at - interval '31 seconds' WHERE rotated_at IS NOT NULL`
      const reuse = yield* Effect.flip(sessions.refresh(rt1, client("10.4.0.9")))
      expect(reuse._tag).toBe("RefreshReuse")
      const afterwards = yield* Effect.flip(sessions.refresh(rt2, client("10.4.0.1")))
      expect(afterwards._tag).toBe("RefreshReuse")
      const revokedAccess = yield* Effect.flip(sessions.authenticate(second.accessToken))
      expect(revokedAccess._tag).toBe("Unauthenticated")
      // Another device's sign-in is a different family and keeps working.
      const stillFine = yield* sessions.refresh(refreshTokenOf(other), client("10.4.0.2"))
      expect(Option.isSome(stillFine.refreshToken)).toBe(true)
      const alerts = yield* Effect.flatMap(AlertRepo, (a) => a.listOpen)
      expect(alerts.some((a) => a.kind === "auth.refresh_reuse" && a.severity === "critical")).toBe(true)
      const audit = yield* sql<{ readonly action: string }>`SELECT action FROM audit_log WHERE action = 'auth.refresh_reuse'`
      expect(audit.length).toBeGreaterThanOrEqual(1)
    }))

  it.effect("access tokens: valid ones authenticate; expired, re-signed, alg=none and HS256-with-the-public-key ones do not", () =>
    Effect.gen(function* () {
      const created = yield* createAdmin("tok@example.com", "viewer")
      const login = yield* AdminLogin
      const sessions = yield* AdminSessions
      const keys = yield* AuthKeys
      const config = yield* AppConfig
      const session = yield* login.login("tok@example.com", password, client("10.5.0.1"))
      const me = yield* sessions.authenticate(session.accessToken)
      expect([me.id, me.role]).toEqual([created.admin.id, "viewer"])
      const claims = { role: "owner", fid: session.admin.familyId }
      const base = (key: Parameters<SignJWT["sign"]>[0], alg: string, expiresAt: number) =>
        Effect.promise(() =>
          new SignJWT(claims).setProtectedHeader({ alg, kid: keys.kid }).setIssuer(config.jwtIssuer).setAudience(config.jwtAudience)
            .setSubject(created.admin.id).setJti("j").setIssuedAt().setNotBefore("0s").setExpirationTime(expiresAt).sign(key))
      const now = Math.floor(Date.now() / 1000)
      const expired = yield* base(keys.signingKey, "ES256", now - 31)
      const foreign = yield* base(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, "ES256", now + 600)
      const publicPem = new TextEncoder().encode(JSON.stringify(keys.publicKeys[0]))
      const hs256 = yield* base(publicPem, "HS256", now + 600)
      const payload = base64url.encode(JSON.stringify({ ...claims, sub: created.admin.id, iss: config.jwtIssuer, aud: config.jwtAudience, jti: "j", iat: now, nbf: now, exp: now + 600 }))
      const none = `${base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${payload}.`
      for (const token of [expired, foreign, hs256, none, `${session.accessToken.slice(0, -4)}AAAA`]) {
        const error = yield* Effect.flip(sessions.authenticate(token))
        expect(error._tag).toBe("Unauthenticated")
      }
      const expiredError = yield* Effect.flip(sessions.authenticate(expired))
      expect(expiredError._tag === "Unauthenticated" && expiredError.reason).toBe("expired")
      // Inside the 30 s leeway a just-expired token is still accepted.
      const tolerated = yield* base(keys.signingKey, "ES256", now - 10)
      expect((yield* sessions.authenticate(tolerated)).role).toBe("viewer")
      const tokens = yield* Tokens
      expect(tokens.ttlSeconds).toBe(900)
    }))

  it.effect("CSRF tokens are HMAC(secret, family); the origin check accepts the panel origin only", () =>
    Effect.gen(function* () {
      const csrf = yield* Csrf
      const keys = yield* AuthKeys
      const expected = createHmac("sha256", Redacted.value(keys.csrfSecret)).update("fam").digest("base64url")
      expect(csrf.tokenFor("fam")).toBe(expected)
      expect(csrf.verifyToken("fam", expected)).toBe(true)
      expect(csrf.verifyToken("other", expected)).toBe(false)
      expect(csrf.verifyToken("fam", null)).toBe(false)
      expect(csrf.originAllowed(new Headers({ origin: "http://localhost:3000" }))).toBe(true)
      expect(csrf.originAllowed(new Headers({ origin: "https://evil.example" }))).toBe(false)
      expect(csrf.originAllowed(new Headers({ referer: "http://localhost:3000/groups" }))).toBe(true)
      expect(csrf.originAllowed(new Headers())).toBe(false)
      expect(csrf.verifyDoubleSubmit("abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwx")).toBe(true)
      expect(csrf.verifyDoubleSubmit(undefined, "abcdefghijklmnopqrstuvwx")).toBe(false)
    }))

  it.effect("CLI rules: a second Owner needs --force, an existing email fails, weak passwords are refused", () =>
    Effect.gen(function* () {
      const accounts = yield* AdminAccounts
      yield* accounts.create({ email: "first-owner@example.com", displayName: null, role: "owner", password: Option.none(), force: true }, cli)
      const second = yield* Effect.flip(accounts.create({ email: "o2@example.com", displayName: null, role: "owner", password: Option.none(), force: false }, cli))
      expect(second._tag).toBe("Conflict")
      const dup = yield* Effect.flip(accounts.create({ email: "FIRST-OWNER@example.com", displayName: null, role: "viewer", password: Option.none(), force: false }, cli))
      expect(dup._tag).toBe("Conflict")
      for (const weak of ["short", "password1234", "my-first-owner2-password"]) {
        const refused = yield* Effect.flip(accounts.create({ email: "first-owner2@example.com", displayName: null, role: "viewer", password: Option.some(weak), force: false }, cli))
        expect(refused._tag).toBe("ValidationFailed")
      }
    }))
})
