import { Schema } from "effect"

export const ActorType = Schema.Literal("admin", "telegram_user", "system", "cli")
export const AuditOutcome = Schema.Literal("success", "denied", "failed")

/** One audit row to write (DATA-18, SEC-13). */
export class AuditEntry extends Schema.Class<AuditEntry>("AuditEntry")({
  actorType: ActorType,
  actorAdminId: Schema.NullOr(Schema.UUID),
  actorTgId: Schema.NullOr(Schema.Number),
  action: Schema.String,
  resourceType: Schema.NullOr(Schema.String),
  resourceId: Schema.NullOr(Schema.String),
  outcome: AuditOutcome,
  oldValue: Schema.NullOr(Schema.Unknown),
  newValue: Schema.NullOr(Schema.Unknown),
  ip: Schema.NullOr(Schema.String),
  clientUa: Schema.NullOr(Schema.String),
  requestId: Schema.NullOr(Schema.String)
}) {
  /** A successful change a Telegram user made to a group from the chat (commands, buttons): no admin, no request. */
  static byTelegramUser(actorTgId: number, action: string, groupId: number, oldValue: unknown, newValue: unknown) {
    return new AuditEntry({
      actorType: "telegram_user", actorAdminId: null, actorTgId, action, resourceType: "group", resourceId: String(groupId),
      outcome: "success", oldValue, newValue, ip: null, clientUa: null, requestId: null
    })
  }
}

/** An audit row as read back. */
export class AuditRecord extends AuditEntry.extend<AuditRecord>("AuditRecord")({
  id: Schema.Number,
  at: Schema.DateFromSelf
}) {}
