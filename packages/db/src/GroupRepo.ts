import { SqlClient, SqlSchema } from "@effect/sql"
import { ChatId, Group, GroupType, UserId } from "@nezuko/domain"
import { Effect, Schema } from "effect"
import { dbCall } from "./dbCall.js"

/** What Telegram tells us about a group; written by /protect, my_chat_member and health checks. */
export const GroupUpsert = Schema.Struct({
  chatId: ChatId,
  type: GroupType,
  title: Schema.String,
  username: Schema.NullOr(Schema.String),
  linkedChatId: Schema.NullOr(ChatId)
})
export type GroupUpsert = typeof GroupUpsert.Type

/** Groups (DATA-3): one row per Telegram group the bot has seen. */
export class GroupRepo extends Effect.Service<GroupRepo>()("@nezuko/db/GroupRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const findById = SqlSchema.findOne({
      Request: ChatId,
      Result: Group,
      execute: (chatId) => sql`SELECT * FROM groups WHERE chat_id = ${chatId}`
    })

    // Metadata is overwritten only by non-empty values, so a partial update never erases what we knew.
    const upsert = SqlSchema.single({
      Request: GroupUpsert,
      Result: Group,
      execute: (g) => sql`
        INSERT INTO groups (chat_id, type, title, username, linked_chat_id)
        VALUES (${g.chatId}, ${g.type}, ${g.title}, ${g.username}, ${g.linkedChatId})
        ON CONFLICT (chat_id) DO UPDATE SET
          type = EXCLUDED.type,
          title = EXCLUDED.title,
          username = coalesce(EXCLUDED.username, groups.username),
          linked_chat_id = coalesce(EXCLUDED.linked_chat_id, groups.linked_chat_id),
          updated_at = now()
        RETURNING *`
    })

    const setEnabled = SqlSchema.findOne({
      Request: Schema.Struct({ chatId: ChatId, enabled: Schema.Boolean, by: Schema.NullOr(UserId) }),
      Result: Group,
      execute: ({ by, chatId, enabled }) => sql`
        UPDATE groups SET
          enabled = ${enabled},
          protected_by = CASE WHEN ${enabled} THEN coalesce(${by}, protected_by) ELSE protected_by END,
          protected_at = CASE WHEN ${enabled} THEN now() ELSE protected_at END,
          updated_at = now()
        WHERE chat_id = ${chatId}
        RETURNING *`
    })

    const countEnabled = SqlSchema.single({
      Request: Schema.Void,
      Result: Schema.Struct({ count: Schema.Number }),
      execute: () => sql`SELECT count(*) AS count FROM groups WHERE enabled AND health <> 'removed'`
    })

    const setHealth = (chatId: ChatId, health: typeof Group.fields.health.Type, reason: string | null) =>
      dbCall(Effect.asVoid(sql`
        UPDATE groups SET health = ${health}, health_reason = ${reason}, health_checked_at = now(), updated_at = now()
        WHERE chat_id = ${chatId}`))

    const setBotRights = (chatId: ChatId, rights: {
      readonly status: "member" | "administrator" | "left" | "kicked"
      readonly canRestrict: boolean
      readonly canDelete: boolean
      readonly canInvite: boolean
    }) =>
      dbCall(Effect.asVoid(sql`
        UPDATE groups SET bot_status = ${rights.status}, bot_can_restrict = ${rights.canRestrict},
          bot_can_delete = ${rights.canDelete}, bot_can_invite = ${rights.canInvite}, updated_at = now()
        WHERE chat_id = ${chatId}`))

    /** Enabled groups that require `channelId` (leave and rejoin handling, BOT-40/41). */
    const enabledRequiring = (channelId: number) =>
      dbCall(Effect.map(
        sql<{ readonly chatId: ChatId }>`SELECT g.chat_id FROM groups g JOIN group_channels gc ON gc.group_id = g.chat_id
          WHERE gc.channel_id = ${channelId} AND g.enabled AND g.health <> 'removed'`,
        (rows) => rows.map((r) => r.chatId)
      ))

    /** Enabled groups the bot is still in, with the last health check (BOT-45's schedule). */
    const listProtected = dbCall(sql<{ readonly chatId: ChatId; readonly healthCheckedAt: Date | null }>`
      SELECT chat_id, health_checked_at FROM groups g
      WHERE enabled AND health <> 'removed' AND EXISTS (SELECT 1 FROM group_channels gc WHERE gc.group_id = g.chat_id)
      ORDER BY chat_id`)

    /** Resolves the group's open alerts of these kinds (DATA-14); returns how many. */
    const resolveAlerts = (chatId: ChatId, kinds: ReadonlyArray<string>) =>
      dbCall(Effect.map(
        sql`UPDATE alerts SET resolved_at = now() WHERE group_id = ${chatId} AND kind IN ${sql.in(kinds)} AND resolved_at IS NULL RETURNING id`,
        (rows) => rows.length
      ))

    return {
      listProtected,
      resolveAlerts,
      setHealth,
      setBotRights,
      enabledRequiring,
      findById: (chatId: ChatId) => dbCall(findById(chatId)),
      upsert: (group: GroupUpsert) => dbCall(upsert(group)),
      setEnabled: (chatId: ChatId, enabled: boolean, by: UserId | null = null) =>
        dbCall(setEnabled({ chatId, enabled, by })),
      countProtected: dbCall(Effect.map(countEnabled(undefined), (row) => row.count))
    } as const
  })
}) {}
