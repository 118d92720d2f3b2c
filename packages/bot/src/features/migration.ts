import { GroupMigration } from "@nezuko/core"
import { ChatId } from "@nezuko/domain"
import { Effect } from "effect"
import { Composer } from "grammy"
import type { Feature } from "../runtime/Feature.js"
import type { EngineFeatureServices } from "./services.js"

/**
 * BOT-50: a basic group upgraded to a supergroup. Telegram sends `migrate_to_chat_id` in the old group and
 * `migrate_from_chat_id` in the new one; either re-keys the group (the second is a no-op).
 */
export const migrationFeature: Feature<EngineFeatureServices> = (run) => {
  const composer = new Composer()
  composer.on("message:migrate_to_chat_id", async (ctx) => await
    run(ctx, Effect.flatMap(GroupMigration, (m) => m.migrate(ChatId.make(ctx.chat.id), ChatId.make(ctx.msg.migrate_to_chat_id))).pipe(
      Effect.catchAllCause((cause) => Effect.logError("group migration (migrate_to_chat_id) failed", cause))
    )))
  composer.on("message:migrate_from_chat_id", async (ctx) => await
    run(ctx, Effect.flatMap(GroupMigration, (m) => m.migrate(ChatId.make(ctx.msg.migrate_from_chat_id), ChatId.make(ctx.chat.id))).pipe(
      Effect.catchAllCause((cause) => Effect.logError("group migration (migrate_from_chat_id) failed", cause))
    )))
  return composer
}
