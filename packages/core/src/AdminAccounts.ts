import { AdminUserRepo } from "@nezuko/db"
import { Conflict, Email, FieldError, NotFound, type Role, ValidationFailed } from "@nezuko/domain"
import { Effect, Option, Schema } from "effect"
import { type AuditContext, AuditTrail } from "./AuditTrail.js"
import { AdminSessions } from "./AdminSessions.js"
import { generatePassword, Passwords } from "./Passwords.js"
import type { CurrentAdminShape } from "./Policy.js"

export interface NewAccount {
  readonly email: string
  readonly displayName: string | null
  readonly role: Role
  /** None: generate one, returned once to be shown to whoever creates the account. */
  readonly password: Option.Option<string>
  /** Needed to create an Owner while an active Owner exists (SEC-14). */
  readonly force: boolean
}

const decodeEmail = (raw: string) =>
  Schema.decodeUnknown(Email)(raw).pipe(
    Effect.mapError(() => new ValidationFailed({ errors: [new FieldError({ field: "/email", message: "must be an email address" })] }))
  )

/** Account management shared by the CLI (SEC-14) and the panel (PANEL-11, PANEL-15). */
export class AdminAccounts extends Effect.Service<AdminAccounts>()("@nezuko/core/AdminAccounts", {
  effect: Effect.gen(function* () {
    const admins = yield* AdminUserRepo
    const passwords = yield* Passwords
    const sessions = yield* AdminSessions
    const audit = yield* AuditTrail

    const byEmail = (raw: string) =>
      Effect.flatMap(decodeEmail(raw), (email) =>
        Effect.flatMap(admins.findByEmail(email), Option.match({
          onNone: () => Effect.fail(new NotFound({ resource: "admin", id: email })),
          onSome: (admin) => Effect.succeed(admin)
        })))

    const chosenPassword = (password: Option.Option<string>, email: string) =>
      Option.match(password, {
        onNone: () => Effect.succeed({ password: generatePassword(), generated: true }),
        onSome: (given) => Effect.as(passwords.check(given, email), { password: given, generated: false })
      })

    const create = Effect.fn("AdminAccounts.create")(function* (input: NewAccount, by: AuditContext) {
      const email = yield* decodeEmail(input.email)
      if (input.role === "owner" && !input.force && (yield* admins.countActiveOwners) > 0) {
        return yield* new Conflict({ resource: "admin_users", reason: "an active Owner already exists; pass --force to create another" })
      }
      const { generated, password } = yield* chosenPassword(input.password, email)
      const admin = yield* admins.insert({
        email, displayName: input.displayName, role: input.role, passwordHash: yield* passwords.hash(password),
        // A generated password was seen by someone else: the new user replaces it at first sign-in.
        mustChangePassword: generated && by.actorType === "admin",
        createdBy: by.actorAdminId
      })
      yield* audit.record(by, { action: "admin.create", resourceType: "admin_user", resourceId: admin.id, newValue: { email, role: input.role } })
      return { admin, generatedPassword: generated ? Option.some(password) : Option.none<string>() }
    })

    const resetPassword = Effect.fn("AdminAccounts.resetPassword")(function* (rawEmail: string, password: Option.Option<string>, by: AuditContext) {
      const admin = yield* byEmail(rawEmail)
      const chosen = yield* chosenPassword(password, admin.email)
      yield* admins.setPassword(admin.id, yield* passwords.hash(chosen.password), chosen.generated)
      yield* admins.unlock(admin.id)
      yield* sessions.endAll(admin.id, "password_reset", by)
      yield* sessions.forget(admin.id)
      yield* audit.record(by, { action: "admin.reset_password", resourceType: "admin_user", resourceId: admin.id })
      return { admin, generatedPassword: chosen.generated ? Option.some(chosen.password) : Option.none<string>() }
    })

    const unlock = Effect.fn("AdminAccounts.unlock")(function* (rawEmail: string, by: AuditContext) {
      const admin = yield* byEmail(rawEmail)
      yield* admins.unlock(admin.id)
      yield* audit.record(by, {
        action: "admin.unlock", resourceType: "admin_user", resourceId: admin.id,
        oldValue: { failed_logins: admin.failedLogins, locked_until: admin.lockedUntil?.toISOString() ?? null }
      })
      return admin
    })

    /** PANEL-15: the current password is required; other sign-ins of the user end, this one stays. */
    const changePassword = Effect.fn("AdminAccounts.changePassword")(
      function* (me: CurrentAdminShape, current: string, next: string, by: AuditContext) {
        const row = yield* admins.findById(me.id)
        if (Option.isNone(row)) return yield* new NotFound({ resource: "admin", id: me.id })
        const check = yield* passwords.verify(row.value.passwordHash, current)
        if (!check.valid) {
          yield* audit.record(by, { action: "auth.password_change", resourceType: "admin_user", resourceId: me.id, outcome: "denied" })
          return yield* new ValidationFailed({ errors: [new FieldError({ field: "/current_password", message: "is not your current password" })] })
        }
        yield* passwords.check(next, me.email, "/new_password")
        if (next === current) {
          return yield* new ValidationFailed({ errors: [new FieldError({ field: "/new_password", message: "must differ from the current one" })] })
        }
        yield* admins.setPassword(me.id, yield* passwords.hash(next), false)
        yield* sessions.endAll(me.id, "password_change", by, me.familyId)
        yield* sessions.forget(me.id)
        yield* audit.record(by, { action: "auth.password_change", resourceType: "admin_user", resourceId: me.id })
      }
    )

    return {
      create,
      resetPassword,
      unlock,
      changePassword,
      countAll: admins.countAll,
      list: admins.list
    } as const
  })
}) {}
