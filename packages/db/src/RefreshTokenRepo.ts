import { SqlClient, SqlSchema } from "@effect/sql"
import { AdminId } from "@nezuko/domain"
import { Effect, Option, Schema } from "effect"
import { dbCall } from "./dbCall.js"

export const NewRefreshToken = Schema.Struct({
  id: Schema.UUID,
  familyId: Schema.UUID,
  userId: AdminId,
  /** SHA-256 of the token (SEC-4); the token itself is never stored. */
  tokenHash: Schema.Uint8ArrayFromSelf,
  expiresAt: Schema.DateFromSelf,
  familyExpiresAt: Schema.DateFromSelf,
  ip: Schema.NullOr(Schema.String),
  clientUa: Schema.NullOr(Schema.String)
})
export type NewRefreshToken = typeof NewRefreshToken.Type

export const RefreshTokenRow = Schema.Struct({
  id: Schema.UUID,
  familyId: Schema.UUID,
  userId: AdminId,
  issuedAt: Schema.DateFromSelf,
  expiresAt: Schema.DateFromSelf,
  familyExpiresAt: Schema.DateFromSelf,
  rotatedAt: Schema.NullOr(Schema.DateFromSelf),
  replacedBy: Schema.NullOr(Schema.UUID),
  revokedAt: Schema.NullOr(Schema.DateFromSelf),
  revokeReason: Schema.NullOr(Schema.String)
})
export type RefreshTokenRow = typeof RefreshTokenRow.Type

/** One signed-in device: a refresh-token family (PANEL-15). */
export const SignIn = Schema.Struct({
  familyId: Schema.UUID,
  createdAt: Schema.DateFromSelf,
  lastUsedAt: Schema.DateFromSelf,
  ip: Schema.NullOr(Schema.String),
  clientUa: Schema.NullOr(Schema.String)
})
export type SignIn = typeof SignIn.Type

const columns = "id, family_id, user_id, issued_at, expires_at, family_expires_at, rotated_at, replaced_by, revoked_at, revoke_reason"

/** Refresh tokens (DATA-16): rotated on every use, revoked by family (SEC-4, SEC-5). */
export class RefreshTokenRepo extends Effect.Service<RefreshTokenRepo>()("@nezuko/db/RefreshTokenRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const insert = SqlSchema.void({
      Request: NewRefreshToken,
      execute: (t) => sql`
        INSERT INTO admin_refresh_tokens (id, family_id, user_id, token_hash, expires_at, family_expires_at, ip, client_ua)
        VALUES (${t.id}, ${t.familyId}, ${t.userId}, ${Buffer.from(t.tokenHash)}, ${t.expiresAt}, ${t.familyExpiresAt},
                ${t.ip}::inet, ${t.clientUa})`
    })
    const findByHash = SqlSchema.findOne({
      Request: Schema.Uint8ArrayFromSelf,
      Result: RefreshTokenRow,
      execute: (hash) => sql`SELECT ${sql.literal(columns)} FROM admin_refresh_tokens WHERE token_hash = ${Buffer.from(hash)}`
    })
    // Only an unrotated, unrevoked token can be rotated: of two concurrent rotations exactly one wins.
    const markRotated = SqlSchema.findOne({
      Request: Schema.Struct({ id: Schema.UUID, replacedBy: Schema.UUID }),
      Result: Schema.Struct({ id: Schema.UUID }),
      execute: ({ id, replacedBy }) => sql`
        UPDATE admin_refresh_tokens SET rotated_at = now(), replaced_by = ${replacedBy}
        WHERE id = ${id} AND rotated_at IS NULL AND revoked_at IS NULL RETURNING id`
    })
    const revokeFamily = SqlSchema.findAll({
      Request: Schema.Struct({ familyId: Schema.UUID, reason: Schema.String }),
      Result: Schema.Struct({ id: Schema.UUID }),
      execute: ({ familyId, reason }) => sql`
        UPDATE admin_refresh_tokens SET revoked_at = now(), revoke_reason = ${reason}
        WHERE family_id = ${familyId} AND revoked_at IS NULL RETURNING id`
    })
    const revokeAllForUser = SqlSchema.findAll({
      Request: Schema.Struct({ userId: AdminId, reason: Schema.String, except: Schema.NullOr(Schema.UUID) }),
      Result: Schema.Struct({ familyId: Schema.UUID }),
      execute: ({ except, reason, userId }) => sql`
        UPDATE admin_refresh_tokens SET revoked_at = now(), revoke_reason = ${reason}
        WHERE user_id = ${userId} AND revoked_at IS NULL ${except === null ? sql`` : sql`AND family_id <> ${except}`}
        RETURNING family_id`
    })
    const familyActive = SqlSchema.single({
      Request: Schema.UUID,
      Result: Schema.Struct({ active: Schema.Boolean }),
      execute: (familyId) => sql`
        SELECT EXISTS (SELECT 1 FROM admin_refresh_tokens WHERE family_id = ${familyId} AND revoked_at IS NULL
                       AND family_expires_at > now()) AS active`
    })
    const listSignIns = SqlSchema.findAll({
      Request: AdminId,
      Result: SignIn,
      execute: (userId) => sql`
        SELECT family_id, min(issued_at) AS created_at, max(issued_at) AS last_used_at,
               (array_agg(host(ip) ORDER BY issued_at DESC))[1] AS ip,
               (array_agg(client_ua ORDER BY issued_at DESC))[1] AS client_ua
        FROM admin_refresh_tokens
        WHERE user_id = ${userId}
        GROUP BY family_id
        HAVING bool_and(revoked_at IS NULL) AND max(expires_at) > now() AND max(family_expires_at) > now()
        ORDER BY last_used_at DESC`
    })

    return {
      insert: (token: NewRefreshToken) => dbCall(insert(token)),
      findByHash: (hash: Uint8Array) => dbCall(findByHash(hash)),
      /** Marks `id` rotated in favour of `next` and stores `next`; false when another request rotated it first. */
      rotate: (id: string, next: NewRefreshToken) =>
        sql.withTransaction(
          Effect.flatMap(markRotated({ id, replacedBy: next.id }), (won) =>
            Option.isSome(won) ? Effect.as(insert(next), true) : Effect.succeed(false))
        ).pipe(dbCall),
      revokeFamily: (familyId: string, reason: string) => dbCall(Effect.map(revokeFamily({ familyId, reason }), (rows) => rows.length)),
      /** Revokes every sign-in of the user, except the family `except` (the caller's own, on a password change). */
      revokeAllForUser: (userId: AdminId, reason: string, except: string | null = null) =>
        dbCall(Effect.map(revokeAllForUser({ userId, reason, except }), (rows) => [...new Set(rows.map((r) => r.familyId))])),
      familyActive: (familyId: string) => dbCall(Effect.map(familyActive(familyId), (r) => r.active)),
      listSignIns: (userId: AdminId) => dbCall(listSignIns(userId))
    } as const
  })
}) {}
