import { SqlClient } from "@effect/sql"
import type { ChatId, UserId } from "@nezuko/domain"
import { Effect, Option } from "effect"
import { dbCall } from "./dbCall.js"

export interface SeenUser {
  readonly userId: UserId
  readonly firstName: string
  readonly lastName: string | null
  readonly username: string | null
  readonly isBot: boolean
  readonly languageCode: string | null
}

export type MemberStatus = "creator" | "administrator" | "member" | "restricted" | "left" | "kicked"

/** Users and group presence as the bot has seen them (DATA-8, BOT-49). Never message content. */
export class MemberRepo extends Effect.Service<MemberRepo>()("@nezuko/db/MemberRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const rememberUser = (u: SeenUser) =>
      dbCall(Effect.asVoid(sql`
        INSERT INTO tg_users (user_id, first_name, last_name, username, is_bot, language_code)
        VALUES (${u.userId}, ${u.firstName}, ${u.lastName}, ${u.username}, ${u.isBot}, ${u.languageCode})
        ON CONFLICT (user_id) DO UPDATE SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
          username = EXCLUDED.username, language_code = coalesce(EXCLUDED.language_code, tg_users.language_code),
          updated_at = now()`))

    const setPresence = (groupId: ChatId, userId: UserId, status: MemberStatus, joined: boolean) =>
      dbCall(Effect.asVoid(sql`
        INSERT INTO group_members (group_id, user_id, status, is_admin, joined_at, last_seen_at)
        VALUES (${groupId}, ${userId}, ${status}, ${status === "creator" || status === "administrator"},
                ${joined ? new Date() : null}, now())
        ON CONFLICT (group_id, user_id) DO UPDATE SET status = EXCLUDED.status, is_admin = EXCLUDED.is_admin,
          joined_at = coalesce(EXCLUDED.joined_at, group_members.joined_at), last_seen_at = now(), updated_at = now()`))

    /** Groups, among `groupIds`, where the user was last seen present (BOT-40 leave targeting). */
    const presentIn = (userId: UserId, groupIds: ReadonlyArray<ChatId>) =>
      groupIds.length === 0
        ? Effect.succeed([] as ReadonlyArray<ChatId>)
        : dbCall(Effect.map(
            sql<{ readonly groupId: ChatId }>`SELECT group_id FROM group_members
              WHERE user_id = ${userId} AND ${sql.in("group_id", groupIds)} AND status IN ('creator', 'administrator', 'member', 'restricted')`,
            (rows) => rows.map((r) => r.groupId)
          ))

    const findByUsername = (username: string) =>
      dbCall(Effect.map(
        sql<{ readonly userId: UserId }>`SELECT user_id FROM tg_users WHERE lower(username) = lower(${username.replace(/^@/, "")})`,
        (rows) => rows[0]?.userId
      ))

    /** The names BOT-49 stored for a user, if the bot has seen them. */
    const findUser = (userId: UserId) =>
      dbCall(Effect.map(
        sql<{ readonly firstName: string; readonly username: string | null }>`SELECT first_name, username FROM tg_users WHERE user_id = ${userId}`,
        (rows) => Option.fromNullable(rows[0])
      ))

    return { rememberUser, setPresence, presentIn, findByUsername, findUser } as const
  })
}) {}
