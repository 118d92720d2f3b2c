import { AuditRepo } from "@nezuko/db"
import { type AdminId, AuditEntry } from "@nezuko/domain"
import { Effect } from "effect"

/** Who acts and from where: everything an audit row records besides the action itself (SEC-13). */
export interface AuditContext {
  readonly actorType: "admin" | "cli" | "system"
  readonly actorAdminId: AdminId | null
  readonly ip: string | null
  readonly clientUa: string | null
  readonly requestId: string | null
}

export interface AuditEvent {
  readonly action: string
  readonly resourceType?: string
  readonly resourceId?: string
  readonly outcome?: "success" | "denied" | "failed"
  readonly oldValue?: unknown
  readonly newValue?: unknown
}

export const cliContext: AuditContext = { actorType: "cli", actorAdminId: null, ip: null, clientUa: null, requestId: null }

/** Writes audit rows from a context and an event; joins the caller's transaction when there is one. */
export class AuditTrail extends Effect.Service<AuditTrail>()("@nezuko/core/AuditTrail", {
  effect: Effect.map(AuditRepo, (repo) => ({
    record: (context: AuditContext, event: AuditEvent) =>
      repo.record(new AuditEntry({
        actorType: context.actorType,
        actorAdminId: context.actorAdminId,
        actorTgId: null,
        action: event.action,
        resourceType: event.resourceType ?? null,
        resourceId: event.resourceId ?? null,
        outcome: event.outcome ?? "success",
        oldValue: event.oldValue ?? null,
        newValue: event.newValue ?? null,
        ip: context.ip,
        clientUa: context.clientUa,
        requestId: context.requestId
      }))
  }))
}) {}
