import { SqlClient } from "@effect/sql"
import { AdminAccounts, AdminSessions, CurrentAdmin } from "@nezuko/core"
import { AdminManagementRepo } from "@nezuko/db"
import { AdminId, Role } from "@nezuko/domain"
import { data, redirect } from "@remix-run/node"
import { Effect, Option, ParseResult, Schema } from "effect"
import { audit, auditContext, formData, RequestInfo } from "../../request.server.js"

export const adminsPage = Effect.gen(function* () {
  const { url } = yield* RequestInfo
  const me = yield* CurrentAdmin
  const rows = yield* Effect.flatMap(AdminAccounts, (a) => a.list)
  const now = Date.now()
  return {
    meId: me.id,
    notice: url.searchParams.get("notice"),
    admins: rows.map((a) => ({
      id: a.id, email: a.email, displayName: a.displayName, role: a.role, isActive: a.isActive,
      lastLoginAt: a.lastLoginAt?.toISOString() ?? null, locked: a.lockedUntil !== null && a.lockedUntil.getTime() > now,
      mustChangePassword: a.mustChangePassword
    }))
  }
})

const Optional = Schema.transform(Schema.String, Schema.OptionFromSelf(Schema.String), {
  strict: true, decode: (s) => (s.trim() === "" ? Option.none() : Option.some(s)), encode: (o) => Option.getOrElse(o, () => "")
})

const Intent = Schema.Union(
  Schema.Struct({ intent: Schema.Literal("create"), email: Schema.Trim.pipe(Schema.minLength(3), Schema.maxLength(254)), name: Schema.String.pipe(Schema.maxLength(100)), role: Role, password: Optional }),
  Schema.Struct({ intent: Schema.Literal("role"), id: AdminId, role: Role }),
  Schema.Struct({ intent: Schema.Literal("deactivate", "reactivate", "reset", "unlock"), id: AdminId })
)

const done = (notice: string) => redirect(`/admins?notice=${encodeURIComponent(notice)}`, 303)

/** PANEL-11 (Owner only): create, change role, deactivate (ends every sign-in), reactivate, reset, unlock. No delete. */
export const adminsAction = Effect.gen(function* () {
  const form = yield* formData
  const raw = Object.fromEntries([...form.entries()].filter(([k]) => k !== "_csrf").map(([k, v]) => [k, typeof v === "string" ? v : ""]))
  const decoded = yield* Schema.decodeUnknown(Intent)(raw, { errors: "all", onExcessProperty: "ignore" }).pipe(Effect.either)
  if (decoded._tag === "Left") {
    const errors = ParseResult.ArrayFormatter.formatErrorSync(decoded.left).map((i) => ({ field: `/${i.path.map(String).join("/")}`, message: i.message }))
    return data({ intent: String(raw.intent ?? ""), errors, password: null }, { status: 400 })
  }
  const accounts = yield* AdminAccounts
  const ctx = yield* auditContext
  const input = decoded.right
  const emailOf = (id: AdminId) => Effect.map(accounts.list, (all) => all.find((a) => a.id === id)?.email ?? "")
  switch (input.intent) {
    case "create": {
      const created = yield* accounts.create({ email: input.email, displayName: input.name.trim() === "" ? null : input.name.trim(), role: input.role, password: input.password, force: true }, ctx).pipe(
        Effect.catchTag("ValidationFailed", (e) => Effect.succeed(e))
      )
      if ("errors" in created) return data({ intent: "create", errors: created.errors.map((x) => ({ field: x.field, message: x.message })), password: null }, { status: 400 })
      // Shown once, in this response only: never in a URL or a log line.
      return data({ intent: "create", errors: [], password: Option.getOrNull(Option.map(created.generatedPassword, (p) => ({ email: created.admin.email, value: p }))) })
    }
    case "reset": {
      const reset = yield* accounts.resetPassword(yield* emailOf(input.id), Option.none(), ctx)
      return data({ intent: "reset", errors: [], password: Option.getOrNull(Option.map(reset.generatedPassword, (p) => ({ email: reset.admin.email, value: p }))) })
    }
    case "unlock":
      yield* accounts.unlock(yield* emailOf(input.id), ctx)
      return done("Account unlocked.")
    case "role": {
      const sql = yield* SqlClient.SqlClient
      const repo = yield* AdminManagementRepo
      yield* sql.withTransaction(Effect.gen(function* () {
        const before = yield* repo.setRole(input.id, input.role)
        yield* audit({ action: "admin.role", resourceType: "admin_user", resourceId: input.id, oldValue: { role: before }, newValue: { role: input.role } })
      }))
      yield* Effect.flatMap(AdminSessions, (s) => s.forget(input.id))
      return done("Role changed.")
    }
    case "deactivate":
    case "reactivate": {
      const active = input.intent === "reactivate"
      const sql = yield* SqlClient.SqlClient
      const repo = yield* AdminManagementRepo
      const sessions = yield* AdminSessions
      yield* sql.withTransaction(Effect.gen(function* () {
        const before = yield* repo.setActive(input.id, active)
        yield* audit({ action: active ? "admin.reactivate" : "admin.deactivate", resourceType: "admin_user", resourceId: input.id, oldValue: { active: before }, newValue: { active } })
      }))
      if (!active) yield* sessions.endAll(input.id, "deactivated", ctx)
      yield* sessions.forget(input.id)
      return done(active ? "Account reactivated." : "Account deactivated; its sign-ins have ended.")
    }
  }
})
