import { Model } from "@effect/sql"
import { Schema } from "effect"
import { ChatId, UserId } from "./Ids.js"

export const GroupType = Schema.Literal("group", "supergroup")
export const BotStatus = Schema.Literal("member", "administrator", "left", "kicked")
export const GroupHealth = Schema.Literal("ok", "degraded", "broken", "removed")
export type GroupHealth = typeof GroupHealth.Type

/** A Telegram group Nezuko knows (DATA-3). */
export class Group extends Model.Class<Group>("Group")({
  chatId: ChatId,
  type: GroupType,
  title: Schema.String,
  username: Schema.NullOr(Schema.String),
  linkedChatId: Schema.NullOr(ChatId),
  enabled: Schema.Boolean,
  protectedBy: Schema.NullOr(UserId),
  protectedAt: Schema.NullOr(Schema.DateFromSelf),
  botStatus: Schema.NullOr(BotStatus),
  botCanRestrict: Schema.Boolean,
  botCanDelete: Schema.Boolean,
  botCanInvite: Schema.Boolean,
  health: GroupHealth,
  healthReason: Schema.NullOr(Schema.String),
  healthCheckedAt: Schema.NullOr(Schema.DateFromSelf),
  memberCount: Schema.NullOr(Schema.Int),
  migratedFromChatId: Schema.NullOr(ChatId),
  createdAt: Model.DateTimeInsertFromDate,
  updatedAt: Model.DateTimeUpdateFromDate
}) {}
