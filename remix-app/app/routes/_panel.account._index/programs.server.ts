import { AdminSessions, CurrentAdmin } from "@nezuko/core"
import { NotFound } from "@nezuko/domain"
import { redirect } from "@remix-run/node"
import { Effect, Schema } from "effect"
import { clearSessionCookies } from "../../auth.server.js"
import { audit, auditContext, formData } from "../../request.server.js"

export const show = Effect.gen(function* () {
  const me = yield* CurrentAdmin
  const sessions = yield* AdminSessions
  const signIns = yield* sessions.listSignIns(me.id)
  return {
    me: { email: me.email, displayName: me.displayName, role: me.role },
    signIns: signIns.map((s) => ({
      familyId: s.familyId,
      createdAt: s.createdAt.toISOString(),
      lastUsedAt: s.lastUsedAt.toISOString(),
      ip: s.ip,
      device: s.clientUa,
      current: s.familyId === me.familyId
    }))
  }
})

const Intent = Schema.Union(
  Schema.Struct({ intent: Schema.Literal("revoke"), familyId: Schema.UUID }),
  Schema.Struct({ intent: Schema.Literal("revoke-all") })
)

/** PANEL-15: revoke one of your sign-ins, or all of them (which signs this browser out too). */
export const act = Effect.gen(function* () {
  const me = yield* CurrentAdmin
  const sessions = yield* AdminSessions
  const context = yield* auditContext
  const input = yield* Schema.decodeUnknown(Intent)(Object.fromEntries(yield* formData))
  if (input.intent === "revoke-all") {
    const ended = yield* sessions.endAll(me.id, "logout_everywhere", context)
    yield* audit({ action: "auth.logout_all", resourceType: "admin_user", resourceId: me.id, newValue: { sign_ins_ended: ended.length } })
    yield* clearSessionCookies
    return redirect("/login", 303)
  }
  if (!(yield* sessions.ownsSignIn(me.id, input.familyId))) return yield* new NotFound({ resource: "sign-in", id: input.familyId })
  yield* sessions.end(input.familyId, context, "auth.revoke_sign_in")
  if (input.familyId === me.familyId) {
    yield* clearSessionCookies
    return redirect("/login", 303)
  }
  return redirect("/account", 303)
})
