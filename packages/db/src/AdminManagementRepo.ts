import { SqlClient } from "@effect/sql"
import { type AdminId, Conflict, NotFound, type Role } from "@nezuko/domain"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

/**
 * Role and activation changes of panel users (PANEL-11). The active Owners are locked first, so two
 * concurrent demotions cannot both pass the "last active Owner" check (409).
 */
export class AdminManagementRepo extends Effect.Service<AdminManagementRepo>()("@nezuko/db/AdminManagementRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const guardLastOwner = (id: AdminId, losesOwner: boolean) =>
      Effect.gen(function* () {
        const owners = yield* sql<{ readonly id: string }>`SELECT id FROM admin_users WHERE role = 'owner' AND is_active ORDER BY id FOR UPDATE`
        if (losesOwner && owners.length === 1 && owners[0]?.id === id) {
          return yield* new Conflict({ resource: "admin_users", reason: "the last active Owner cannot be demoted or deactivated" })
        }
      })

    const current = (id: AdminId) =>
      Effect.flatMap(sql<{ readonly role: Role; readonly isActive: boolean }>`SELECT role, is_active FROM admin_users WHERE id = ${id} FOR UPDATE`, (rows) =>
        rows[0] === undefined ? Effect.fail(new NotFound({ resource: "admin", id })) : Effect.succeed(rows[0]))

    /** Changes the role; returns the previous one. Must run inside the caller's transaction. */
    const setRole = (id: AdminId, role: Role) =>
      dbCall(Effect.gen(function* () {
        const before = yield* current(id)
        yield* guardLastOwner(id, before.role === "owner" && before.isActive && role !== "owner")
        yield* sql`UPDATE admin_users SET role = ${role}, updated_at = now() WHERE id = ${id}`
        return before.role
      }))

    /** Activates or deactivates; returns the previous state. The caller ends the sessions of a deactivated user. */
    const setActive = (id: AdminId, active: boolean) =>
      dbCall(Effect.gen(function* () {
        const before = yield* current(id)
        yield* guardLastOwner(id, before.role === "owner" && before.isActive && !active)
        yield* sql`UPDATE admin_users SET is_active = ${active}, updated_at = now() WHERE id = ${id}`
        return before.isActive
      }))

    return { setRole, setActive } as const
  })
}) {}
