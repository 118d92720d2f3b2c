import { AppConfig, can, CurrentAdmin } from "@nezuko/core"
import { ChannelRepo, DashboardStatsRepo, DecisionLogRepo, GroupListRepo, GroupRepo, RestrictionRepo, SettingsRepo, WhitelistRepo } from "@nezuko/db"
import { ChatIdFromString, NotFound, SettingsValues } from "@nezuko/domain"
import { DateTime, Effect, Option, Schema } from "effect"
import { decodeQueryOrDefaults, pageMeta, pagingFields } from "../../api/listQuery.server.js"
import { RequestInfo } from "../../request.server.js"
import { localDayStart } from "../../services/localDays.server.js"
import { maintenanceOf } from "./maintenance.server.js"

import { type Tab, tabs } from "./tabs.js"

export const groupOf = Effect.gen(function* () {
  const { params } = yield* RequestInfo
  const chatId = yield* Schema.decodeUnknown(ChatIdFromString)(params.chatId).pipe(
    Effect.mapError(() => new NotFound({ resource: "group", id: String(params.chatId) }))
  )
  const group = yield* Effect.flatMap(GroupRepo, (groups) => groups.findById(chatId))
  if (Option.isNone(group)) return yield* new NotFound({ resource: "group", id: String(chatId) })
  return group.value
})

const DecisionFilters = Schema.Struct({
  ...pagingFields,
  decision: Schema.optionalWith(Schema.Literal("pass", "exempt", "restrict", "still_missing", "verify", "release", "kick", "ban", "approve", "decline", "deferred", "dry_run"), { as: "Option" }),
  trigger: Schema.optionalWith(Schema.Literal("message", "join", "join_request", "button", "leave", "rejoin", "batch", "timeout", "manual"), { as: "Option" }),
  user: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.positive()), { as: "Option" })
})

const iso = (d: Date | null) => d?.toISOString() ?? null

const overview = (chatId: number) =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const now = yield* DateTime.now
    const local = DateTime.setZone(now, DateTime.zoneUnsafeMakeNamed(config.panelTimezone))
    const from = localDayStart(now, config.panelTimezone, 29)
    const perDay = yield* Effect.flatMap(DashboardStatsRepo, (r) => r.perDay(from, config.panelTimezone, chatId))
    const days = Array.from({ length: 30 }, (_, i) => {
      const p = DateTime.toParts(DateTime.subtract(local, { days: 29 - i }))
      const day = `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`
      const row = { day, pass: 0, restrict: 0, verify: 0, other: 0 }
      for (const r of perDay.filter((x) => x.day === day)) {
        if (r.decision === "pass" || r.decision === "restrict") row[r.decision] += r.count
        else if (r.decision === "verify" || r.decision === "approve") row.verify += r.count
        else row.other += r.count
      }
      return row
    })
    const total = (k: "pass" | "restrict" | "verify") => days.reduce((s, d) => s + d[k], 0)
    return { days, totals30d: { pass: total("pass"), restrict: total("restrict"), verify: total("verify") } }
  })

export const show = Effect.gen(function* () {
  const group = yield* groupOf
  const { url } = yield* RequestInfo
  const me = yield* CurrentAdmin
  const requested = url.searchParams.get("tab") ?? "overview"
  const tab: Tab = (tabs as ReadonlyArray<string>).includes(requested) ? (requested as Tab) : "overview"
  const counts = yield* Effect.flatMap(GroupListRepo, (r) => r.countsOf(group.chatId))
  const channels = yield* Effect.flatMap(ChannelRepo, (r) => r.linkedTo(group.chatId))
  // Always loaded: a refused settings post re-renders the form on whichever URL it came from.
  const settings = yield* Effect.flatMap(SettingsRepo, (repo) => repo.find(group.chatId))
  const members = tab === "members"
    ? {
      pending: (yield* Effect.flatMap(RestrictionRepo, (r) => r.pendingInGroup(group.chatId))).map((r) => ({
        userId: r.userId, trigger: r.trigger, missing: r.missingChannelIds, since: r.createdAt.toISOString(), deadline: iso(r.deadlineAt), owner: r.owner
      })),
      whitelist: (yield* Effect.flatMap(WhitelistRepo, (r) => r.list(group.chatId, 200))).map((w) => ({
        userId: w.userId, global: w.groupId === null, expiresAt: iso(w.expiresAt), reason: w.reason
      }))
    }
    : null
  const decisions = tab === "decisions"
    ? yield* Effect.gen(function* () {
      const { errors, value } = yield* decodeQueryOrDefaults(DecisionFilters)
      const { rows, total } = yield* Effect.flatMap(DecisionLogRepo, (r) => r.list({
        groupId: group.chatId, decision: Option.getOrNull(value.decision), trigger: Option.getOrNull(value.trigger),
        userId: Option.getOrNull(value.user), page: value.page, perPage: value.per_page, order: value.order
      }))
      return {
        errors, meta: pageMeta(value.page, value.per_page, total),
        filters: { decision: Option.getOrElse(value.decision, () => ""), trigger: Option.getOrElse(value.trigger, () => ""), user: Option.match(value.user, { onNone: () => "", onSome: String }) },
        rows: rows.map((r) => ({ ...r, at: r.at.toISOString(), channelIds: [...r.channelIds], missingChannelIds: [...r.missingChannelIds] }))
      }
    })
    : null
  return {
    tab,
    canEdit: can(me.role, "update:group:any"),
    canManage: can(me.role, "manage:members:any"),
    notice: url.searchParams.get("notice"),
    saved: url.searchParams.get("saved") === "1",
    group: {
      chatId: group.chatId, title: group.title, username: group.username, enabled: group.enabled, health: group.health,
      healthReason: group.healthReason, botStatus: group.botStatus, botCanRestrict: group.botCanRestrict, botCanDelete: group.botCanDelete,
      botCanInvite: group.botCanInvite, memberCount: group.memberCount, protectedAt: iso(group.protectedAt), pending: counts.pending, checks7d: counts.checks7d
    },
    channels: channels.map((c) => ({ chatId: c.chatId, title: c.title, username: c.username, inviteLink: c.inviteLink, health: c.health, healthReason: c.healthReason })),
    overview: tab === "overview" ? yield* overview(group.chatId) : null,
    settings: Option.match(settings, {
      onNone: () => null,
      onSome: (s) => ({ values: Schema.encodeSync(SettingsValues)(s), updatedAt: s.updatedAt.toISOString() })
    }),
    members,
    decisions,
    maintenance: tab === "maintenance" ? yield* maintenanceOf(group) : null
  }
})
