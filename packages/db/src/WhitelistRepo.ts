import { SqlClient } from "@effect/sql"
import type { ChatId, UserId } from "@nezuko/domain"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

export interface WhitelistEntry {
  readonly id: number
  readonly groupId: number | null
  readonly userId: number
  readonly expiresAt: Date | null
  readonly reason: string | null
}

/** Exempt users per group or global (DATA-7); expired entries simply stop counting. */
export class WhitelistRepo extends Effect.Service<WhitelistRepo>()("@nezuko/db/WhitelistRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const isWhitelisted = (groupId: ChatId, userId: UserId) =>
      dbCall(Effect.map(
        sql`SELECT 1 FROM whitelist WHERE user_id = ${userId} AND (group_id = ${groupId} OR group_id IS NULL)
            AND (expires_at IS NULL OR expires_at > now()) LIMIT 1`,
        (rows) => rows.length > 0
      ))

    /**
     * The live entries of one scope (a group, or `null` for the global list) as user id → expiry in ms (null:
     * never), at most `limit` rows; the hot path keeps these per group instead of asking per (group, user).
     * `coalesce(group_id, 0)` so the scope+user unique index serves the lookup.
     */
    const activeIn = (scope: ChatId | null, limit: number) =>
      dbCall(Effect.map(
        sql<{ userId: number; expiresAt: Date | null }>`SELECT user_id, expires_at FROM whitelist
            WHERE coalesce(group_id, 0) = ${scope ?? 0} AND (expires_at IS NULL OR expires_at > now()) LIMIT ${limit}`,
        (rows) => new Map(rows.map((r) => [Number(r.userId), r.expiresAt === null ? null : r.expiresAt.getTime()] as const))
      ))

    const add = (entry: { readonly groupId: ChatId | null; readonly userId: UserId; readonly expiresAt: Date | null; readonly reason: string; readonly byTg?: number; readonly byAdmin?: string }) =>
      dbCall(Effect.asVoid(sql`
        INSERT INTO whitelist (group_id, user_id, expires_at, reason, added_by_tg, added_by_admin)
        VALUES (${entry.groupId}, ${entry.userId}, ${entry.expiresAt}, ${entry.reason}, ${entry.byTg ?? null}, ${entry.byAdmin ?? null})
        ON CONFLICT (coalesce(group_id, 0), user_id) DO UPDATE SET expires_at = EXCLUDED.expires_at, reason = EXCLUDED.reason`))

    const remove = (groupId: ChatId | null, userId: UserId) =>
      dbCall(Effect.map(
        sql`DELETE FROM whitelist WHERE coalesce(group_id, 0) = ${groupId ?? 0} AND user_id = ${userId} RETURNING id`,
        (rows) => rows.length > 0
      ))

    const list = (groupId: ChatId, limit = 50) =>
      dbCall(sql<WhitelistEntry>`
        SELECT id, group_id, user_id, expires_at, reason FROM whitelist
        WHERE (group_id = ${groupId} OR group_id IS NULL) AND (expires_at IS NULL OR expires_at > now())
        ORDER BY created_at DESC LIMIT ${limit}`)

    return { isWhitelisted, activeIn, add, remove, list } as const
  })
}) {}
