import { SqlClient, SqlSchema } from "@effect/sql"
import { Channel, ChannelId, ChatId, Conflict, GroupChannel, MaxChannelsPerGroup, UserId } from "@nezuko/domain"
import { Effect, Schema } from "effect"
import { dbCall, sqlStateOf } from "./dbCall.js"

export const ChannelUpsert = Schema.Struct({
  chatId: ChannelId,
  title: Schema.String,
  username: Schema.NullOr(Schema.String),
  inviteLink: Schema.NullOr(Schema.String),
  inviteLinkByBot: Schema.Boolean
})
export type ChannelUpsert = typeof ChannelUpsert.Type

/** Channels (DATA-4) and the links that make a group require them (DATA-5). */
export class ChannelRepo extends Effect.Service<ChannelRepo>()("@nezuko/db/ChannelRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const findById = SqlSchema.findOne({
      Request: ChannelId,
      Result: Channel,
      execute: (chatId) => sql`SELECT * FROM channels WHERE chat_id = ${chatId}`
    })

    const findByUsername = SqlSchema.findOne({
      Request: Schema.String,
      Result: Channel,
      execute: (username) => sql`SELECT * FROM channels WHERE lower(username) = lower(${username})`
    })

    const upsert = SqlSchema.single({
      Request: ChannelUpsert,
      Result: Channel,
      execute: (c) => sql`
        INSERT INTO channels (chat_id, title, username, invite_link, invite_link_by_bot)
        VALUES (${c.chatId}, ${c.title}, ${c.username}, ${c.inviteLink}, ${c.inviteLinkByBot})
        ON CONFLICT (chat_id) DO UPDATE SET
          title = coalesce(nullif(EXCLUDED.title, ''), channels.title),
          username = coalesce(EXCLUDED.username, channels.username),
          invite_link = coalesce(EXCLUDED.invite_link, channels.invite_link),
          invite_link_by_bot = CASE WHEN EXCLUDED.invite_link IS NULL THEN channels.invite_link_by_bot
                                    ELSE EXCLUDED.invite_link_by_bot END,
          updated_at = now()
        RETURNING *`
    })

    const insert = SqlSchema.findOne({
      Request: ChannelUpsert,
      Result: Channel,
      execute: (c) => sql`
        INSERT INTO channels (chat_id, title, username, invite_link, invite_link_by_bot)
        VALUES (${c.chatId}, ${c.title}, ${c.username}, ${c.inviteLink}, ${c.inviteLinkByBot})
        ON CONFLICT (chat_id) DO NOTHING
        RETURNING *`
    })

    const linkedTo = SqlSchema.findAll({
      Request: ChatId,
      Result: Channel,
      execute: (groupId) => sql`
        SELECT c.* FROM group_channels gc JOIN channels c ON c.chat_id = gc.channel_id
        WHERE gc.group_id = ${groupId} ORDER BY gc.position, gc.created_at`
    })

    const insertLink = SqlSchema.void({
      Request: GroupChannel,
      execute: (l) => sql`
        INSERT INTO group_channels (group_id, channel_id, position, added_by_tg, added_by_admin)
        VALUES (${l.groupId}, ${l.channelId}, ${l.position}, ${l.addedByTg}, ${l.addedByAdmin})
        ON CONFLICT (group_id, channel_id) DO NOTHING`
    })

    const deleteLink = SqlSchema.findAll({
      Request: Schema.Struct({ groupId: ChatId, channelId: ChannelId }),
      Result: Schema.Struct({ channelId: ChannelId }),
      execute: ({ channelId, groupId }) =>
        sql`DELETE FROM group_channels WHERE group_id = ${groupId} AND channel_id = ${channelId} RETURNING channel_id`
    })

    const link = (groupId: ChatId, channelId: ChannelId, by: { tg?: UserId; admin?: string }) =>
      sql<{ readonly n: number }>`SELECT count(*) AS n FROM group_channels WHERE group_id = ${groupId}`.pipe(
        Effect.flatMap((rows) =>
          insertLink(new GroupChannel({
            groupId,
            channelId,
            position: rows[0]?.n ?? 0,
            addedByTg: by.tg ?? null,
            addedByAdmin: by.admin ?? null
          }))
        ),
        // The trigger of DATA-5 raises check_violation past the limit, whoever the writer is.
        Effect.catchIf(
          (e) => e._tag === "SqlError" && sqlStateOf(e) === "23514",
          () => Effect.fail(new Conflict({ resource: "group_channels", reason: `a group links at most ${MaxChannelsPerGroup} channels` }))
        ),
        dbCall
      )

    /** The bot's own status in a channel and what it means for verification (BOT-43). */
    const setBotStatus = (chatId: ChannelId, status: "member" | "administrator" | "left" | "kicked", health: "ok" | "unverifiable", reason: string | null) =>
      dbCall(Effect.asVoid(sql`
        UPDATE channels SET bot_status = ${status}, health = ${health}, health_reason = ${reason}, updated_at = now()
        WHERE chat_id = ${chatId}`))

    /**
     * Title, username and invite link as getChat reports them now (BOT-45); an empty title keeps the stored one,
     * and so do a subscriber count and a link that were not (or could not be) read.
     */
    const refresh = (chatId: ChannelId, info: {
      readonly title: string
      readonly username: string | null
      readonly subscriberCount?: number | null
      /** The chat's primary invite link as getChat reports it now; a missing one keeps the stored link. */
      readonly inviteLink?: string | null
    }) =>
      dbCall(Effect.asVoid(sql`
        UPDATE channels SET title = coalesce(nullif(${info.title}, ''), title), username = ${info.username},
          subscriber_count = coalesce(${info.subscriberCount ?? null}::int, subscriber_count),
          invite_link_by_bot = CASE WHEN ${info.inviteLink ?? null}::text IS NULL OR ${info.inviteLink ?? null}::text = invite_link
                                    THEN invite_link_by_bot ELSE false END,
          invite_link = coalesce(${info.inviteLink ?? null}::text, invite_link),
          last_synced_at = now(), updated_at = now()
        WHERE chat_id = ${chatId}`))

    /** Every group that links the channel, enabled or not. */
    const linkedGroups = (chatId: ChannelId) =>
      dbCall(Effect.map(
        sql<{ readonly groupId: ChatId }>`SELECT group_id FROM group_channels WHERE channel_id = ${chatId} ORDER BY group_id`,
        (rows) => rows.map((r) => r.groupId)
      ))

    /** Resolves the channel's open alerts of one kind (DATA-14). */
    const resolveAlerts = (chatId: ChannelId, kind: string) =>
      dbCall(Effect.map(
        sql`UPDATE alerts SET resolved_at = now() WHERE channel_id = ${chatId} AND kind = ${kind} AND resolved_at IS NULL RETURNING id`,
        (rows) => rows.length
      ))

    return {
      setBotStatus,
      refresh,
      linkedGroups,
      resolveAlerts,
      findById: (chatId: ChannelId) => dbCall(findById(chatId)),
      findByUsername: (username: string) => dbCall(findByUsername(username)),
      upsert: (channel: ChannelUpsert) => dbCall(upsert(channel)),
      /** A channel added from the panel (PANEL-8); None when the id is already known. */
      create: (channel: ChannelUpsert) => dbCall(insert(channel)),
      linkedTo: (groupId: ChatId) => dbCall(linkedTo(groupId)),
      link,
      /** True when a link was removed. */
      unlink: (groupId: ChatId, channelId: ChannelId) =>
        dbCall(Effect.map(deleteLink({ groupId, channelId }), (rows) => rows.length > 0))
    } as const
  })
}) {}
