import { can, CurrentAdmin } from "@nezuko/core"
import { ChannelListRepo } from "@nezuko/db"
import { data, redirect } from "@remix-run/node"
import { Effect, ParseResult, Schema } from "effect"
import { auditContext, formData, RequestInfo } from "../../request.server.js"
import { channelParam, deleteChannel, InviteLinkInput, refreshChannel, setInviteLink } from "./channelAdmin.server.js"

/** PANEL-8 detail: metadata, health, linked groups, invite link. */
export const channelPage = Effect.gen(function* () {
  const c = yield* channelParam
  const me = yield* CurrentAdmin
  const groups = yield* Effect.flatMap(ChannelListRepo, (r) => r.groupsOf(c.chatId))
  const { url } = yield* RequestInfo
  return {
    canEdit: can(me.role, "update:channel:any"),
    notice: url.searchParams.get("notice"),
    channel: {
      chatId: c.chatId, title: c.title, username: c.username, inviteLink: c.inviteLink, inviteLinkByBot: c.inviteLinkByBot, botStatus: c.botStatus,
      health: c.health, healthReason: c.healthReason, subscriberCount: c.subscriberCount, lastSyncedAt: c.lastSyncedAt?.toISOString() ?? null
    },
    groups
  }
})

// A form without `intent` is the invite-link form (the only one this page had before the others).
const Intent = Schema.Union(
  Schema.Struct({ intent: Schema.optionalWith(Schema.Literal("invite_link"), { default: () => "invite_link" as const }), invite_link: Schema.optionalWith(Schema.String, { default: () => "" }) }),
  Schema.Struct({ intent: Schema.Literal("refresh") }),
  Schema.Struct({ intent: Schema.Literal("delete") })
)

/** The audit action of each intent, also written when a Viewer's attempt is refused (SEC-13). */
export const auditNameOf = (form: FormData) =>
  ({ refresh: "channel.refresh", delete: "channel.delete" } as Record<string, string>)[String(form.get("intent"))] ?? "channel.invite_link"

const fieldErrors = (e: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(e).map((i) => ({ field: `/${i.path.map(String).join("/")}`, message: i.message }))

const back = (id: number, notice: string) => redirect(`/channels/${id}?notice=${encodeURIComponent(notice)}`, 303)

/**
 * The detail page's one action (CONVENTIONS §8): invite-link override (field error → 400), refresh from
 * Telegram, delete (still linked → 409, shown on the page). Each change is audited.
 */
export const channelAction = Effect.gen(function* () {
  const c = yield* channelParam
  const form = yield* formData
  const raw = Object.fromEntries([...form.entries()].filter(([k]) => k !== "_csrf").map(([k, v]) => [k, typeof v === "string" ? v : ""]))
  const input = yield* Schema.decodeUnknown(Intent)(raw, { onExcessProperty: "ignore" }).pipe(Effect.orElseSucceed(() => undefined))
  if (input === undefined) return data({ intent: String(raw.intent ?? ""), errors: [{ field: "/intent", message: "unknown action" }] }, { status: 400 })
  const ctx = yield* auditContext
  switch (input.intent) {
    case "invite_link": {
      const link = yield* Schema.decodeUnknown(InviteLinkInput)(input.invite_link.trim() === "" ? null : input.invite_link, { errors: "all" }).pipe(Effect.either)
      if (link._tag === "Left") return data({ intent: "invite_link", errors: fieldErrors(link.left).map((e) => ({ ...e, field: "/invite_link" })) }, { status: 400 })
      yield* setInviteLink(c.chatId, link.right, ctx)
      return back(c.chatId, link.right === null ? "Invite link cleared." : "Invite link saved.")
    }
    case "refresh": {
      const after = yield* refreshChannel(c.chatId, ctx)
      return back(c.chatId, `Refreshed from Telegram: health ${after.health}${after.healthReason ? ` (${after.healthReason})` : ""}.`)
    }
    case "delete": {
      const deleted = yield* deleteChannel(c.chatId, ctx).pipe(
        Effect.as(undefined),
        Effect.catchTag("Conflict", (e) => Effect.succeed(data({ intent: "delete", errors: [{ field: "/", message: `Not deleted: ${e.reason}.` }] }, { status: 409 })))
      )
      return deleted ?? redirect(`/channels?notice=${encodeURIComponent(`${c.title} deleted.`)}`, 303)
    }
  }
})
