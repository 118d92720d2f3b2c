import { Model } from "@effect/sql"
import { Schema } from "effect"
import { BotStatus } from "./Group.js"
import { ChannelId, ChatId, UserId } from "./Ids.js"

export const ChannelHealth = Schema.Literal("ok", "unverifiable")

/** A channel some group may require (DATA-4). */
export class Channel extends Model.Class<Channel>("Channel")({
  chatId: ChannelId,
  title: Schema.String,
  username: Schema.NullOr(Schema.String),
  inviteLink: Schema.NullOr(Schema.String),
  inviteLinkByBot: Schema.Boolean,
  botStatus: Schema.NullOr(BotStatus),
  health: ChannelHealth,
  healthReason: Schema.NullOr(Schema.String),
  subscriberCount: Schema.NullOr(Schema.Int),
  lastSyncedAt: Schema.NullOr(Schema.DateFromSelf),
  createdAt: Model.DateTimeInsertFromDate,
  updatedAt: Model.DateTimeUpdateFromDate
}) {}

/** A group's link to one required channel (DATA-5). */
export class GroupChannel extends Schema.Class<GroupChannel>("GroupChannel")({
  groupId: ChatId,
  channelId: ChannelId,
  position: Schema.Int,
  addedByTg: Schema.NullOr(UserId),
  addedByAdmin: Schema.NullOr(Schema.UUID)
}) {}

/** At most this many channels per group (BOT-11, DATA-5). */
export const MaxChannelsPerGroup = 5
