import { SqlClient, SqlSchema } from "@effect/sql"
import { ChannelId, ChatId, PriorMember, Restriction, RestrictionState, Trigger, UserId } from "@nezuko/domain"
import { Effect, Option, Schema } from "effect"
import { dbCall, sqlStateOf } from "./dbCall.js"

export const NewRestriction = Schema.Struct({
  groupId: ChatId,
  userId: UserId,
  trigger: Trigger,
  owner: Schema.Literal("bot", "external"),
  missingChannelIds: Schema.Array(ChannelId),
  priorMember: Schema.NullOr(PriorMember),
  deadlineAt: Schema.NullOr(Schema.DateFromSelf)
})
export type NewRestriction = typeof NewRestriction.Type

/** Pending and closed restrictions (DATA-9). The partial unique index makes "one pending per user" a fact. */
export class RestrictionRepo extends Effect.Service<RestrictionRepo>()("@nezuko/db/RestrictionRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const findPending = SqlSchema.findOne({
      Request: Schema.Struct({ groupId: ChatId, userId: UserId }),
      Result: Restriction,
      execute: ({ groupId, userId }) =>
        sql`SELECT * FROM restrictions WHERE group_id = ${groupId} AND user_id = ${userId} AND state = 'pending'`
    })

    // BOT-33: the mute Telegram keeps across a leave, still running (rare: only asked for a rejoin that arrives muted).
    const leftWhileMuted = SqlSchema.findOne({
      Request: Schema.Struct({ groupId: ChatId, userId: UserId }),
      Result: Restriction,
      execute: ({ groupId, userId }) => sql`
        SELECT * FROM restrictions
        WHERE group_id = ${groupId} AND user_id = ${userId} AND state = 'left_group' AND owner = 'bot' AND restricted_until > now()
        ORDER BY created_at DESC LIMIT 1`
    })

    const insertRow = SqlSchema.single({
      Request: NewRestriction,
      Result: Restriction,
      execute: (r) => sql`
        INSERT INTO restrictions (group_id, user_id, trigger, owner, missing_channel_ids, prior_member, deadline_at)
        VALUES (${r.groupId}, ${r.userId}, ${r.trigger}, ${r.owner}, ${r.missingChannelIds},
                ${r.priorMember === null ? null : JSON.stringify(r.priorMember)}, ${r.deadlineAt})
        RETURNING *`
    })

    /** None when another handler already holds a pending record for this user (BOT-25 step 5). */
    const insertPending = (row: NewRestriction) =>
      insertRow(row).pipe(
        Effect.map(Option.some),
        Effect.catchIf((e) => e._tag === "SqlError" && sqlStateOf(e) === "23505", () => Effect.succeed(Option.none<Restriction>())),
        dbCall
      )

    const update = (id: number, fields: {
      readonly restrictedUntil?: Date | null
      readonly promptMessageId?: number | null
      readonly missingChannelIds?: ReadonlyArray<number>
    }) =>
      dbCall(Effect.asVoid(sql`
        UPDATE restrictions SET ${sql.update({ ...fields, updatedAt: new Date() })} WHERE id = ${id}`))

    /** Closes a pending record; false when it was no longer pending (someone else closed it first). */
    const close = (id: number, state: Exclude<RestrictionState, "pending">, by: string) =>
      dbCall(Effect.map(
        sql`UPDATE restrictions SET state = ${state}, resolved_at = now(), resolved_by = ${by}, updated_at = now()
            WHERE id = ${id} AND state = 'pending' RETURNING id`,
        (rows) => rows.length > 0
      ))

    const pendingInGroup = SqlSchema.findAll({
      Request: ChatId,
      Result: Restriction,
      execute: (groupId) => sql`SELECT * FROM restrictions WHERE group_id = ${groupId} AND state = 'pending' ORDER BY created_at`
    })

    /** Who has an open record in the group, at most `limit` of them (the partial unique index answers it). */
    const pendingUserIds = (groupId: ChatId, limit: number) =>
      dbCall(Effect.map(
        sql<{ userId: number }>`SELECT user_id FROM restrictions WHERE group_id = ${groupId} AND state = 'pending' LIMIT ${limit}`,
        (rows) => new Set(rows.map((r) => Number(r.userId)))
      ))

    const pendingForUser = SqlSchema.findAll({
      Request: UserId,
      Result: Restriction,
      execute: (userId) => sql`SELECT * FROM restrictions WHERE user_id = ${userId} AND state = 'pending'`
    })

    const countKickedSince = (groupId: ChatId, userId: UserId, since: Date) =>
      dbCall(Effect.map(
        sql<{ readonly n: number }>`SELECT count(*) AS n FROM restrictions
          WHERE group_id = ${groupId} AND user_id = ${userId} AND state = 'kicked' AND resolved_at >= ${since}`,
        (rows) => rows[0]?.n ?? 0
      ))

    /** Pending records still pointing at a prompt: a combined prompt stays while anyone it names is pending. */
    const pendingWithPrompt = (groupId: ChatId, messageId: number) =>
      dbCall(Effect.map(
        sql<{ readonly n: number }>`SELECT count(*) AS n FROM restrictions
          WHERE group_id = ${groupId} AND prompt_message_id = ${messageId} AND state = 'pending'`,
        (rows) => rows[0]?.n ?? 0
      ))

    return {
      pendingWithPrompt,
      findPending: (groupId: ChatId, userId: UserId) => dbCall(findPending({ groupId, userId })),
      /** The newest record closed by the user's leave whose mute (the bot's) has not ended yet. */
      leftWhileMuted: (groupId: ChatId, userId: UserId) => dbCall(leftWhileMuted({ groupId, userId })),
      insertPending,
      update,
      close,
      pendingInGroup: (groupId: ChatId) => dbCall(pendingInGroup(groupId)),
      pendingUserIds,
      pendingForUser: (userId: UserId) => dbCall(pendingForUser(userId)),
      countKickedSince
    } as const
  })
}) {}
