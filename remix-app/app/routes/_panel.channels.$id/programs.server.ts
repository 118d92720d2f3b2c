import { can, CurrentAdmin } from "@nezuko/core"
import { ChannelListRepo, ChannelRepo } from "@nezuko/db"
import { ChannelIdFromString, NotFound } from "@nezuko/domain"
import { data, redirect } from "@remix-run/node"
import { Effect, Option, Schema } from "effect"
import { audit, formData, RequestInfo } from "../../request.server.js"

const channelOf = Effect.gen(function* () {
  const { params } = yield* RequestInfo
  const id = yield* Schema.decodeUnknown(ChannelIdFromString)(params.id).pipe(Effect.mapError(() => new NotFound({ resource: "channel", id: String(params.id) })))
  const channel = yield* Effect.flatMap(ChannelRepo, (r) => r.findById(id))
  if (Option.isNone(channel)) return yield* new NotFound({ resource: "channel", id: String(id) })
  return channel.value
})

/** PANEL-8 detail: metadata, health, linked groups, invite link. */
export const channelPage = Effect.gen(function* () {
  const c = yield* channelOf
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

/** The manual invite-link override: an https://t.me/ URL, or empty to clear it. Audited. */
export const setInviteLink = Effect.gen(function* () {
  const c = yield* channelOf
  const form = yield* formData
  const raw = String(form.get("invite_link") ?? "").trim()
  if (raw !== "" && !/^https:\/\/t\.me\/[A-Za-z0-9_+/-]{1,200}$/.test(raw)) {
    return data({ errors: [{ field: "/invite_link", message: "must be an https://t.me/ link" }] }, { status: 400 })
  }
  const link = raw === "" ? null : raw
  yield* Effect.flatMap(ChannelListRepo, (r) => r.setInviteLink(c.chatId, link))
  yield* audit({ action: "channel.invite_link", resourceType: "channel", resourceId: String(c.chatId), oldValue: { inviteLink: c.inviteLink }, newValue: { inviteLink: link } })
  return redirect(`/channels/${c.chatId}?notice=Invite+link+saved.`, 303)
})
