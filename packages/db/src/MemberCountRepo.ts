import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { dbCall } from "./dbCall.js"

/** One chat whose size `member_sync` asks Telegram for. */
export interface MemberCountTarget {
  readonly kind: "group" | "channel"
  readonly chatId: number
}

/**
 * The counts the panel shows (OPS-16 `member_sync`): `groups.member_count` of each protected group and
 * `channels.subscriber_count` of each channel linked to one.
 */
export class MemberCountRepo extends Effect.Service<MemberCountRepo>()("@nezuko/db/MemberCountRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** Protected groups (as GroupRepo.listProtected) first, then the channels linked to any of them, each once. */
    const targets = dbCall(Effect.map(
      sql<{ readonly kind: "group" | "channel"; readonly chatId: number }>`
        WITH protected AS (
          SELECT g.chat_id FROM groups g
          WHERE g.enabled AND g.health <> 'removed' AND EXISTS (SELECT 1 FROM group_channels gc WHERE gc.group_id = g.chat_id))
        SELECT 'group' AS kind, chat_id FROM protected
        UNION ALL
        SELECT 'channel' AS kind, c.chat_id FROM channels c
        WHERE EXISTS (SELECT 1 FROM group_channels gc JOIN protected p ON p.chat_id = gc.group_id WHERE gc.channel_id = c.chat_id)
        ORDER BY kind DESC, chat_id`,
      (rows): ReadonlyArray<MemberCountTarget> => rows.map((r) => ({ kind: r.kind, chatId: r.chatId }))
    ))

    // Not updated_at: a count is not an edit of the row.
    /** Stores one count; returns whether the row still exists (it may have been deleted since `targets`). */
    const store = (target: MemberCountTarget, count: number) =>
      dbCall(Effect.map(
        target.kind === "group"
          ? sql`UPDATE groups SET member_count = ${count} WHERE chat_id = ${target.chatId} RETURNING chat_id`
          : sql`UPDATE channels SET subscriber_count = ${count}, last_synced_at = now() WHERE chat_id = ${target.chatId} RETURNING chat_id`,
        (rows) => rows.length > 0
      ))

    return { targets, store } as const
  })
}) {}
