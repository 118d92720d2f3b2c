import { Schema } from "effect"
import { ChannelId, ChatId, UserId } from "./Ids.js"

export const Trigger = Schema.Literal("message", "join", "join_request", "button", "leave", "rejoin", "batch", "timeout", "manual")
export type Trigger = typeof Trigger.Type

export const DecisionKind = Schema.Literal(
  "pass", "exempt", "restrict", "still_missing", "verify", "release", "kick", "ban", "approve", "decline", "deferred", "dry_run"
)
export type DecisionKind = typeof DecisionKind.Type

/** One outcome of the enforcement engine, as written to the verification log (BOT-51, DATA-11). */
export class VerificationDecision extends Schema.Class<VerificationDecision>("VerificationDecision")({
  at: Schema.DateFromSelf,
  groupId: ChatId,
  userId: Schema.NullOr(UserId),
  senderChatId: Schema.NullOr(ChatId),
  trigger: Trigger,
  decision: DecisionKind,
  reason: Schema.NullOr(Schema.String),
  channelIds: Schema.Array(ChannelId),
  missingChannelIds: Schema.Array(ChannelId),
  cached: Schema.NullOr(Schema.Boolean),
  latencyMs: Schema.NullOr(Schema.Int),
  errorCode: Schema.NullOr(Schema.String),
  correlationId: Schema.NullOr(Schema.String),
  instanceId: Schema.NullOr(Schema.String)
}) {}
