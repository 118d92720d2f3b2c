import { SqlClient, SqlSchema } from "@effect/sql"
import { AdminId, AdminUser, Conflict, Role } from "@nezuko/domain"
import { Effect, Schema } from "effect"
import { dbCall, sqlStateOf } from "./dbCall.js"

export const NewAdmin = Schema.Struct({
  email: Schema.String,
  displayName: Schema.NullOr(Schema.String),
  passwordHash: Schema.String,
  role: Role,
  mustChangePassword: Schema.Boolean,
  createdBy: Schema.NullOr(AdminId)
})
export type NewAdmin = typeof NewAdmin.Type

const Count = Schema.Struct({ count: Schema.Number })

/** Panel users (DATA-15). Emails are stored lower-case; callers pass them decoded by domain's Email. */
export class AdminUserRepo extends Effect.Service<AdminUserRepo>()("@nezuko/db/AdminUserRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const findById = SqlSchema.findOne({ Request: AdminId, Result: AdminUser, execute: (id) => sql`SELECT * FROM admin_users WHERE id = ${id}` })
    const findByEmail = SqlSchema.findOne({
      Request: Schema.String,
      Result: AdminUser,
      execute: (email) => sql`SELECT * FROM admin_users WHERE email = ${email.toLowerCase()}`
    })
    const insert = SqlSchema.single({
      Request: NewAdmin,
      Result: AdminUser,
      execute: (a) => sql`
        INSERT INTO admin_users (email, display_name, password_hash, role, must_change_password, created_by, password_changed_at)
        VALUES (${a.email.toLowerCase()}, ${a.displayName}, ${a.passwordHash}, ${a.role}, ${a.mustChangePassword}, ${a.createdBy}, now())
        RETURNING *`
    })
    const list = SqlSchema.findAll({ Request: Schema.Void, Result: AdminUser, execute: () => sql`SELECT * FROM admin_users ORDER BY created_at` })
    const countAll = SqlSchema.single({ Request: Schema.Void, Result: Count, execute: () => sql`SELECT count(*) AS count FROM admin_users` })
    const countActiveOwners = SqlSchema.single({
      Request: Schema.Void,
      Result: Count,
      execute: () => sql`SELECT count(*) AS count FROM admin_users WHERE role = 'owner' AND is_active`
    })
    // One statement, so two concurrent failures cannot both read the same counter.
    const recordFailure = SqlSchema.single({
      Request: AdminId,
      Result: AdminUser,
      execute: (id) => sql`UPDATE admin_users SET failed_logins = failed_logins + 1, updated_at = now() WHERE id = ${id} RETURNING *`
    })
    const lock = SqlSchema.void({
      Request: Schema.Struct({ id: AdminId, until: Schema.DateFromSelf }),
      execute: ({ id, until }) => sql`
        UPDATE admin_users SET locked_until = ${until}, lock_count = lock_count + 1, failed_logins = 0, updated_at = now()
        WHERE id = ${id}`
    })
    const recordSuccess = SqlSchema.void({
      Request: AdminId,
      execute: (id) => sql`
        UPDATE admin_users SET failed_logins = 0, lock_count = 0, locked_until = NULL, last_login_at = now(), updated_at = now()
        WHERE id = ${id}`
    })
    const unlock = SqlSchema.findOne({
      Request: AdminId,
      Result: AdminUser,
      execute: (id) => sql`
        UPDATE admin_users SET failed_logins = 0, lock_count = 0, locked_until = NULL, updated_at = now() WHERE id = ${id} RETURNING *`
    })
    const setPassword = SqlSchema.void({
      Request: Schema.Struct({ id: AdminId, passwordHash: Schema.String, mustChangePassword: Schema.Boolean }),
      execute: ({ id, mustChangePassword, passwordHash }) => sql`
        UPDATE admin_users SET password_hash = ${passwordHash}, must_change_password = ${mustChangePassword},
          password_changed_at = now(), updated_at = now()
        WHERE id = ${id}`
    })
    // A rehash (SEC-1) keeps password_changed_at: the password itself did not change.
    const rehash = SqlSchema.void({
      Request: Schema.Struct({ id: AdminId, passwordHash: Schema.String }),
      execute: ({ id, passwordHash }) => sql`UPDATE admin_users SET password_hash = ${passwordHash}, updated_at = now() WHERE id = ${id}`
    })

    return {
      findById: (id: AdminId) => dbCall(findById(id)),
      findByEmail: (email: string) => dbCall(findByEmail(email)),
      /** An existing email is a Conflict (SEC-14). */
      insert: (admin: NewAdmin) =>
        insert(admin).pipe(
          Effect.catchIf(
            (e) => e._tag === "SqlError" && sqlStateOf(e) === "23505",
            () => new Conflict({ resource: "admin_users", reason: `an admin with the email ${admin.email} already exists` })
          ),
          dbCall
        ),
      list: dbCall(list(undefined)),
      countAll: dbCall(Effect.map(countAll(undefined), (r) => r.count)),
      countActiveOwners: dbCall(Effect.map(countActiveOwners(undefined), (r) => r.count)),
      recordFailure: (id: AdminId) => dbCall(recordFailure(id)),
      lock: (id: AdminId, until: Date) => dbCall(lock({ id, until })),
      recordSuccess: (id: AdminId) => dbCall(recordSuccess(id)),
      unlock: (id: AdminId) => dbCall(unlock(id)),
      setPassword: (id: AdminId, passwordHash: string, mustChangePassword: boolean) =>
        dbCall(setPassword({ id, passwordHash, mustChangePassword })),
      rehash: (id: AdminId, passwordHash: string) => dbCall(rehash({ id, passwordHash }))
    } as const
  })
}) {}
