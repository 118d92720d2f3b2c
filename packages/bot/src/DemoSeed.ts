import { SqlClient } from "@effect/sql"
import { AuditRepo, ChannelRepo, GroupRepo, SettingsRepo } from "@nezuko/db"
import { AuditEntry, ChannelId, ChatId, UserId } from "@nezuko/domain"
import { Effect, Option } from "effect"

export interface DemoWorld {
  readonly group: { readonly id: number; readonly title: string }
  readonly channels: ReadonlyArray<{ readonly id: number; readonly title: string; readonly username: string }>
  /** The Telegram user recorded as having run /protect. */
  readonly protectedBy: number
}

/**
 * Puts Nezuko's own tables in the state of OPS-14's demo: "Demo Group" already protected by its two channels.
 * Idempotent, so a restarted demo keeps whatever the user changed since (an existing group is left alone).
 */
export const seedDemoProtection = (world: DemoWorld) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const groups = yield* GroupRepo
    const channels = yield* ChannelRepo
    const settings = yield* SettingsRepo
    const audit = yield* AuditRepo
    const groupId = ChatId.make(world.group.id)
    if (Option.isSome(yield* groups.findById(groupId))) return false
    yield* sql.withTransaction(Effect.gen(function* () {
      yield* groups.upsert({ chatId: groupId, type: "supergroup", title: world.group.title, username: null, linkedChatId: null })
      yield* sql`UPDATE groups SET bot_status = 'administrator', bot_can_restrict = true, bot_can_delete = true,
                 bot_can_invite = true WHERE chat_id = ${groupId}`
      yield* settings.ensure(groupId)
      for (const channel of world.channels) {
        const id = ChannelId.make(channel.id)
        yield* channels.upsert({ chatId: id, title: channel.title, username: channel.username, inviteLink: null, inviteLinkByBot: false })
        yield* sql`UPDATE channels SET bot_status = 'administrator' WHERE chat_id = ${id}`
        yield* channels.link(groupId, id, { tg: UserId.make(world.protectedBy) })
      }
      yield* groups.setEnabled(groupId, true, UserId.make(world.protectedBy))
      yield* audit.record(new AuditEntry({
        actorType: "system", actorAdminId: null, actorTgId: null, action: "demo.seed", resourceType: "group",
        resourceId: String(groupId), outcome: "success", oldValue: null,
        newValue: { channels: world.channels.map((c) => c.id) }, ip: null, clientUa: null, requestId: null
      }))
    }))
    return true
  }).pipe(Effect.withSpan("DemoSeed.seedDemoProtection"))
