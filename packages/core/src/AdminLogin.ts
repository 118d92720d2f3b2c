import { AdminUserRepo, LoginAttemptRepo } from "@nezuko/db"
import type { AdminId } from "@nezuko/domain"
import { Clock, Duration, Effect, Metric, Option } from "effect"
import { AccountInactive, InvalidCredentials, type LoginThrottled } from "./AuthErrors.js"
import { type AuditContext, AuditTrail } from "./AuditTrail.js"
import { AdminSessions } from "./AdminSessions.js"
import { accountMaxFailures, lockDuration, LoginThrottle } from "./LoginThrottle.js"
import { Passwords } from "./Passwords.js"

export const loginAttempts = Metric.counter("nezuko_login_attempts_total", { description: "Panel sign-in attempts", incremental: true })
const countAttempt = (outcome: string) => Metric.increment(Metric.tagged(loginAttempts, "outcome", outcome))

/**
 * Email-and-password sign-in (SEC-1, SEC-8): the IP window first, then the account lock, then Argon2id. Every
 * attempt is written to login_attempts and the audit log; the caller sees only three answers (signed in,
 * "wrong email or password", "too many attempts"), whatever the reason behind them.
 */
export class AdminLogin extends Effect.Service<AdminLogin>()("@nezuko/core/AdminLogin", {
  effect: Effect.gen(function* () {
    const admins = yield* AdminUserRepo
    const attempts = yield* LoginAttemptRepo
    const throttle = yield* LoginThrottle
    const passwords = yield* Passwords
    const sessions = yield* AdminSessions
    const audit = yield* AuditTrail

    return {
      login: Effect.fn("AdminLogin.login")(function* (rawEmail: string, password: string, client: AuditContext) {
        const email = rawEmail.trim().toLowerCase().slice(0, 254)
        const ip = client.ip ?? "unknown"
        const note = (success: boolean, reason: string | null, adminId: AdminId | null, action: string) =>
          Effect.all([
            attempts.record({ email, ip: client.ip, success, reason }),
            audit.record({ ...client, actorType: "admin", actorAdminId: adminId }, {
              action, resourceType: "admin_user", resourceId: email, outcome: success ? "success" : "denied",
              ...(reason === null ? {} : { newValue: { reason } })
            }),
            countAttempt(success ? "success" : reason ?? "failure")
          ], { discard: true })
        const refuse = (reason: string, adminId: AdminId | null, error: InvalidCredentials | LoginThrottled | AccountInactive) =>
          Effect.zipRight(
            Effect.all([note(false, reason, adminId, "auth.login_failed"), throttle.recordIpFailure(ip)], { discard: true }),
            Effect.fail(error)
          )

        yield* throttle.checkIp(ip).pipe(Effect.tapError(() => note(false, "ip_throttled", null, "auth.login_failed")))
        const found = yield* admins.findByEmail(email)
        if (Option.isNone(found)) {
          yield* passwords.verifyDummy(password)
          return yield* refuse("unknown_email", null, new InvalidCredentials())
        }
        const admin = found.value
        const locked = yield* throttle.accountLock(admin.lockedUntil)
        if (Option.isSome(locked)) {
          yield* passwords.verifyDummy(password)
          return yield* refuse("locked", admin.id, locked.value)
        }
        const { needsRehash, valid } = yield* passwords.verify(admin.passwordHash, password)
        if (!valid) {
          const after = yield* admins.recordFailure(admin.id)
          if (after.failedLogins >= accountMaxFailures) {
            const until = new Date((yield* Clock.currentTimeMillis) + Duration.toMillis(lockDuration(after.lockCount)))
            yield* admins.lock(admin.id, until)
            yield* audit.record({ ...client, actorType: "system", actorAdminId: null }, {
              action: "auth.locked", resourceType: "admin_user", resourceId: admin.id,
              newValue: { locked_until: until.toISOString(), lock_number: after.lockCount + 1 }
            })
          }
          return yield* refuse("bad_password", admin.id, new InvalidCredentials())
        }
        if (!admin.isActive) return yield* refuse("inactive", admin.id, new AccountInactive())
        if (needsRehash) yield* Effect.flatMap(passwords.hash(password), (hash) => admins.rehash(admin.id, hash))
        yield* admins.recordSuccess(admin.id)
        yield* note(true, null, admin.id, "auth.login")
        return yield* sessions.start(admin, { ...client, actorType: "admin", actorAdminId: admin.id })
      })
    } as const
  })
}) {}
