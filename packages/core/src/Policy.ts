import type { AdminId, Role } from "@nezuko/domain"
import { Context, Effect } from "effect"
import { Forbidden } from "./AuthErrors.js"

/**
 * The PANEL-18 permission matrix, in one place. Permission names read `action:entity:access`. A permission
 * missing here is granted to nobody (deny by default).
 */
export const permissionMatrix = {
  "read:panel:any": ["owner", "admin", "viewer"], //         dashboard, groups, channels, analytics, decisions, status
  "update:group:any": ["owner", "admin"], //                  enable/disable, group settings, link/unlink channels
  "manage:members:any": ["owner", "admin"], //                release, whitelist, scan, re-check, import config
  "export:group:any": ["owner", "admin", "viewer"], //        export group config, CSV of charts
  "update:channel:any": ["owner", "admin"], //                add/edit/refresh/delete channels
  "read:logs:any": ["owner", "admin"], //                     live logs
  "update:operations:any": ["owner", "admin"], //             acknowledge alerts, retry dead jobs
  "read:audit:any": ["owner"], //                             the whole audit log
  "read:audit:own": ["owner", "admin"], //                    one's own actions
  "read:settings:any": ["owner", "admin"], //                 global settings
  "update:settings:any": ["owner"],
  "manage:admins:any": ["owner"], //                          panel users
  "update:account:own": ["owner", "admin", "viewer"], //      own password and sign-ins
  "use:sandbox:any": ["owner", "admin"] //                    sandbox page (sandbox mode only)
} as const satisfies Record<string, ReadonlyArray<Role>>

export type Permission = keyof typeof permissionMatrix
export const permissions = Object.keys(permissionMatrix) as ReadonlyArray<Permission>

export const can = (role: Role, permission: Permission): boolean =>
  (permissionMatrix[permission] as ReadonlyArray<Role>).includes(role)

/** The signed-in panel user of the current request; the role comes from the database row (SEC-3). */
export interface CurrentAdminShape {
  readonly id: AdminId
  readonly email: string
  readonly displayName: string | null
  readonly role: Role
  /** The refresh-token family of this sign-in: the CSRF token is derived from it (SEC-7). */
  readonly familyId: string
  readonly mustChangePassword: boolean
}
export class CurrentAdmin extends Context.Tag("@nezuko/core/CurrentAdmin")<CurrentAdmin, CurrentAdminShape>() {}

/**
 * Proof that `P` was checked for this request. Core operations that need a permission declare it with
 * `requires(p)`, which adds `Authorized<p>` to their requirements; only `authorize(p)` (panel) or `asSystem`
 * (bot, CLI) remove it, so a caller that skips the check does not compile (SEC-15, CONVENTIONS §12.4).
 */
export interface Authorized<P extends Permission> {
  readonly permission: P
}
const tags = new Map<Permission, Context.Tag<Authorized<Permission>, Authorized<Permission>>>()
export const Authorized = <P extends Permission>(permission: P): Context.Tag<Authorized<P>, Authorized<P>> => {
  let tag = tags.get(permission)
  if (tag === undefined) {
    tag = Context.GenericTag<Authorized<Permission>>(`@nezuko/core/Policy/Authorized/${permission}`)
    tags.set(permission, tag)
  }
  // The map is keyed by permission, so the tag stored under P is the tag of Authorized<P>.
  return tag as unknown as Context.Tag<Authorized<P>, Authorized<P>>
}

/** Marks `self` as needing `permission`. */
export const requires = <P extends Permission>(permission: P) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | Authorized<P>> => Effect.zipRight(Authorized(permission), self)

/** Checks the current admin's role for `permission` and discharges the requirement; Forbidden otherwise. */
export const authorize = <P extends Permission>(permission: P) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | Forbidden, Exclude<R, Authorized<P>> | CurrentAdmin> =>
  Effect.flatMap(CurrentAdmin, (admin): Effect.Effect<A, E | Forbidden, Exclude<R, Authorized<P>>> =>
    can(admin.role, permission)
      ? Effect.provideService(self, Authorized(permission), { permission })
      : Effect.fail(new Forbidden({ permission })))

/** For trusted callers (bot commands with their own checks, the CLI): discharges `permission` unchecked. */
export const asSystem = <P extends Permission>(permission: P) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, Authorized<P>>> =>
  Effect.provideService(self, Authorized(permission), { permission })
