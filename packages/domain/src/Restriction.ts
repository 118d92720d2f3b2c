import { Schema } from "effect"
import { Trigger } from "./Decision.js"
import { ChannelId, ChatId, UserId } from "./Ids.js"

export const RestrictionState = Schema.Literal(
  "pending", "verified", "released", "overridden", "superseded", "kicked", "banned", "left_group", "abandoned", "expired"
)
export type RestrictionState = typeof RestrictionState.Type

/** The user's member record before the bot acted, kept so a restore never grants more than they had (BOT-36). */
export const PriorMember = Schema.Struct({
  status: Schema.String,
  /** Permissions of a restriction someone else had set, with its end (0 = forever). */
  permissions: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Boolean })),
  untilDate: Schema.optional(Schema.Number)
})
export type PriorMember = typeof PriorMember.Type

/** A restriction the bot applied or recorded (DATA-9); at most one `pending` per (group, user). */
export class Restriction extends Schema.Class<Restriction>("Restriction")({
  id: Schema.Number,
  groupId: ChatId,
  userId: UserId,
  trigger: Trigger,
  state: RestrictionState,
  owner: Schema.Literal("bot", "external"),
  missingChannelIds: Schema.Array(ChannelId),
  priorMember: Schema.NullOr(PriorMember),
  restrictedUntil: Schema.NullOr(Schema.DateFromSelf),
  deadlineAt: Schema.NullOr(Schema.DateFromSelf),
  promptMessageId: Schema.NullOr(Schema.Number),
  resolvedAt: Schema.NullOr(Schema.DateFromSelf),
  resolvedBy: Schema.NullOr(Schema.String),
  createdAt: Schema.DateFromSelf,
  updatedAt: Schema.DateFromSelf
}) {}
