import { createHash, randomBytes, randomUUID } from "node:crypto"
import { AdminUserRepo, AlertRepo, RefreshTokenRepo } from "@nezuko/db"
import type { AdminId, AdminUser } from "@nezuko/domain"
import { Cache, Clock, Duration, Effect, Exit, Option } from "effect"
import { AppConfig } from "./AppConfig.js"
import { AccountInactive, RefreshInvalid, RefreshReuse, Unauthenticated } from "./AuthErrors.js"
import { type AuditContext, AuditTrail } from "./AuditTrail.js"
import { Csrf } from "./Csrf.js"
import type { CurrentAdminShape } from "./Policy.js"
import { Tokens } from "./Tokens.js"

/** What a sign-in or a refresh hands to the client. `refreshToken` is absent inside SEC-5's 30 s grace. */
export interface IssuedSession {
  readonly admin: CurrentAdminShape
  readonly accessToken: string
  readonly refreshToken: Option.Option<string>
  readonly csrfToken: string
}

const reuseGrace = Duration.seconds(30)
const familyLifetime = Duration.days(30) // SEC-4: a sign-in lasts 30 days at most, however often it refreshes.
const rowCacheTtl = Duration.seconds(30) // SEC-3: role changes and deactivation take effect within 30 s.

const sha256 = (token: string) => new Uint8Array(createHash("sha256").update(token).digest())
const newRefreshToken = () => randomBytes(32).toString("base64url")

export const toCurrentAdmin = (admin: AdminUser, familyId: string): CurrentAdminShape => ({
  id: admin.id,
  email: admin.email,
  displayName: admin.displayName,
  role: admin.role,
  familyId,
  mustChangePassword: admin.mustChangePassword
})

/** Sign-ins as refresh-token families: start, rotate with reuse detection, end; and access-token checks. */
export class AdminSessions extends Effect.Service<AdminSessions>()("@nezuko/core/AdminSessions", {
  effect: Effect.gen(function* () {
    const config = yield* AppConfig
    const admins = yield* AdminUserRepo
    const refreshTokens = yield* RefreshTokenRepo
    const alerts = yield* AlertRepo
    const audit = yield* AuditTrail
    const tokens = yield* Tokens
    const csrf = yield* Csrf
    const cacheFailures = { timeToLive: (exit: Exit.Exit<unknown, unknown>) => (Exit.isSuccess(exit) ? rowCacheTtl : Duration.zero) }
    const adminRows = yield* Cache.makeWith({ capacity: 10_000, lookup: (id: AdminId) => admins.findById(id), ...cacheFailures })
    const families = yield* Cache.makeWith({ capacity: 50_000, lookup: (familyId: string) => refreshTokens.familyActive(familyId), ...cacheFailures })

    const issue = (admin: AdminUser, familyId: string, refreshToken: Option.Option<string>) =>
      Effect.map(tokens.sign({ id: admin.id, role: admin.role, familyId }), (accessToken): IssuedSession => ({
        admin: toCurrentAdmin(admin, familyId),
        accessToken,
        refreshToken,
        csrfToken: csrf.tokenFor(familyId)
      }))

    const newRow = (userId: AdminId, familyId: string, token: string, now: number, familyExpiresAt: Date, client: AuditContext) => ({
      id: randomUUID(),
      familyId,
      userId,
      tokenHash: sha256(token),
      expiresAt: new Date(Math.min(now + Duration.toMillis(config.refreshTokenTtl), familyExpiresAt.getTime())),
      familyExpiresAt,
      ip: client.ip,
      clientUa: client.clientUa
    })

    const start = Effect.fn("AdminSessions.start")(function* (admin: AdminUser, client: AuditContext) {
      const now = yield* Clock.currentTimeMillis
      const familyId = randomUUID()
      const token = newRefreshToken()
      yield* refreshTokens.insert(newRow(admin.id, familyId, token, now, new Date(now + Duration.toMillis(familyLifetime)), client))
      return yield* issue(admin, familyId, Option.some(token))
    })

    const revokeFamily = (familyId: string, reason: string) =>
      Effect.zipLeft(refreshTokens.revokeFamily(familyId, reason), families.invalidate(familyId))

    const reuseDetected = (row: { readonly familyId: string; readonly userId: AdminId }, client: AuditContext) =>
      Effect.gen(function* () {
        yield* revokeFamily(row.familyId, "reuse")
        const owner = yield* admins.findById(row.userId)
        const who = Option.match(owner, { onNone: () => row.userId, onSome: (a) => a.email })
        yield* audit.record({ ...client, actorType: "admin", actorAdminId: row.userId }, {
          action: "auth.refresh_reuse", resourceType: "refresh_family", resourceId: row.familyId, outcome: "denied"
        })
        yield* alerts.raise({
          kind: "auth.refresh_reuse", severity: "critical", groupId: null, channelId: null,
          message: `A refresh token of ${who} was used again after rotation; that sign-in was revoked`,
          details: { admin_id: row.userId, family_id: row.familyId, ip: client.ip, request_id: client.requestId }
        })
        yield* Effect.logWarning("refresh-token reuse: family revoked").pipe(Effect.annotateLogs({ admin_id: row.userId, family_id: row.familyId }))
        return yield* new RefreshReuse()
      })

    /** SEC-4/SEC-5: rotate, or inside the grace only re-issue the access token, or treat as reuse. */
    const refresh = Effect.fn("AdminSessions.refresh")(function* (token: string, client: AuditContext) {
      const found = yield* refreshTokens.findByHash(sha256(token))
      if (Option.isNone(found)) return yield* new RefreshInvalid()
      const row = found.value
      const now = yield* Clock.currentTimeMillis
      // A family revoked by logout or an Owner is simply over; only reuse makes its tokens alarming.
      if (row.revokedAt !== null) return yield* row.revokeReason === "reuse" ? reuseDetected(row, client) : new RefreshInvalid()
      if (row.expiresAt.getTime() <= now || row.familyExpiresAt.getTime() <= now) return yield* new RefreshInvalid()
      const withinGrace = row.rotatedAt !== null && now - row.rotatedAt.getTime() <= Duration.toMillis(reuseGrace)
      if (row.rotatedAt !== null && !withinGrace) return yield* reuseDetected(row, client)
      const admin = yield* admins.findById(row.userId)
      if (Option.isNone(admin)) return yield* new RefreshInvalid()
      if (!admin.value.isActive) {
        yield* revokeFamily(row.familyId, "inactive")
        return yield* new AccountInactive()
      }
      if (withinGrace) return yield* issue(admin.value, row.familyId, Option.none())
      const next = newRefreshToken()
      const rotated = yield* refreshTokens.rotate(row.id, newRow(row.userId, row.familyId, next, now, row.familyExpiresAt, client))
      // Losing the race to a parallel request is the grace case: that request got the new refresh token.
      return yield* issue(admin.value, row.familyId, rotated ? Option.some(next) : Option.none())
    })

    const authenticate = Effect.fn("AdminSessions.authenticate")(function* (accessToken: string) {
      const claims = yield* tokens.verify(accessToken)
      const [row, familyActive] = yield* Effect.all([adminRows.get(claims.sub), families.get(claims.fid)], { concurrency: 2 })
      if (Option.isNone(row) || !familyActive) return yield* new Unauthenticated({ reason: "invalid" })
      if (!row.value.isActive) return yield* new AccountInactive()
      return toCurrentAdmin(row.value, claims.fid)
    })

    return {
      start,
      refresh,
      authenticate,
      /** The family a refresh token belongs to, if it is still usable (CSRF for /auth/refresh and logout). */
      familyOf: (token: string) => Effect.map(refreshTokens.findByHash(sha256(token)), Option.map((row) => row.familyId)),
      /** Ends one sign-in (logout, or revoking a device from the account page). */
      end: Effect.fn("AdminSessions.end")(function* (familyId: string, client: AuditContext, action = "auth.logout") {
        yield* revokeFamily(familyId, "logout")
        yield* audit.record(client, { action, resourceType: "refresh_family", resourceId: familyId })
      }),
      /** Whether `familyId` is one of the admin's live sign-ins (so a user can revoke only their own). */
      ownsSignIn: (adminId: AdminId, familyId: string) =>
        Effect.map(refreshTokens.listSignIns(adminId), (list) => list.some((s) => s.familyId === familyId)),
      endAll: Effect.fn("AdminSessions.endAll")(function* (adminId: AdminId, reason: string, client: AuditContext, except: string | null = null) {
        const ended = yield* refreshTokens.revokeAllForUser(adminId, reason, except)
        yield* Effect.forEach(ended, (familyId) => families.invalidate(familyId), { discard: true })
        return ended
      }),
      listSignIns: (adminId: AdminId) => refreshTokens.listSignIns(adminId),
      /** Drops the cached row so a role or status change applies at once on this replica. */
      forget: (adminId: AdminId) => adminRows.invalidate(adminId)
    } as const
  })
}) {}
