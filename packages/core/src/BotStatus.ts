import { AlertRepo, ChannelRepo, GroupRepo, JoinRequestRepo, RestrictionRepo } from "@nezuko/db"
import type { ChannelId, ChatId, Group, GroupHealth, UserId } from "@nezuko/domain"
import { Duration, Effect, Option } from "effect"
import type { ChatMember } from "grammy/types"
import { GroupDirectory, type LinkedChannel } from "./GroupDirectory.js"
import { Jobs } from "./Jobs.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { rightNames } from "./ProtectChecks.js"
import { TelegramApi } from "./TelegramApi.js"
import { channelLabel, text } from "./Texts.js"

/** The bot's standing in a chat as `groups.bot_status` stores it (DATA-3), with the rights of BOT-4. */
export interface BotRights {
  readonly status: "member" | "administrator" | "left" | "kicked"
  readonly canRestrict: boolean
  readonly canDelete: boolean
  readonly canInvite: boolean
}

/** A ChatMember record of the bot → BotRights; the creator counts as an administrator with every right. */
export const botRightsOf = (m: ChatMember): BotRights => {
  switch (m.status) {
    case "creator":
      return { status: "administrator", canRestrict: true, canDelete: true, canInvite: true }
    case "administrator":
      return { status: "administrator", canRestrict: m.can_restrict_members, canDelete: m.can_delete_messages, canInvite: m.can_invite_users }
    case "member":
      return { status: "member", canRestrict: false, canDelete: false, canInvite: false }
    case "restricted":
      return { status: m.is_member ? "member" : "left", canRestrict: false, canDelete: false, canInvite: false }
    case "left":
    case "kicked":
      return { status: m.status, canRestrict: false, canDelete: false, canInvite: false }
  }
}

export const isBotPresent = (r: BotRights) => r.status === "member" || r.status === "administrator"

/** One reason a group is not fully protected; each is warned about on its own (BOT-44). */
export type HealthProblem = "not_admin" | "can_restrict_members" | "can_delete_messages" | "can_invite_users" | `channel:${number}`

/** BOT-4, BOT-42, BOT-43: what the bot's rights and its channels' health mean for the group. */
export const problemsOf = (rights: BotRights, channels: ReadonlyArray<Pick<LinkedChannel, "chatId" | "health">>, joinGate: boolean) => {
  const problems: Array<HealthProblem> = []
  if (rights.status !== "administrator") problems.push("not_admin")
  else {
    if (!rights.canRestrict) problems.push("can_restrict_members")
    if (!rights.canDelete) problems.push("can_delete_messages")
    if (joinGate && !rights.canInvite) problems.push("can_invite_users")
  }
  for (const c of channels) if (c.health === "unverifiable") problems.push(`channel:${Number(c.chatId)}`)
  return problems
}

export const healthOf = (rights: BotRights, problems: ReadonlyArray<HealthProblem>): { readonly health: GroupHealth; readonly reason: string | null } => {
  if (!isBotPresent(rights)) return { health: "removed", reason: rights.status === "kicked" ? "bot kicked" : "bot left" }
  if (problems.includes("not_admin")) return { health: "broken", reason: "not an administrator" }
  if (problems.length === 0) return { health: "ok", reason: null }
  const missing = problems.filter((p) => !p.startsWith("channel:"))
  const channels = problems.filter((p) => p.startsWith("channel:")).map((p) => p.slice("channel:".length))
  return {
    health: "degraded",
    reason: [
      ...(missing.length > 0 ? [`missing ${missing.join(", ")}`] : []),
      ...(channels.length > 0 ? [`channel unverifiable: ${channels.join(", ")}`] : [])
    ].join("; ")
  }
}

/**
 * BOT-45's job kind, payload `{ group_id }`, run by the bot's jobs role. The panel's "Re-check bot rights"
 * enqueues it under its own dedupe key, so a sweep's check queued hours ahead does not swallow the request.
 */
export const healthCheckJobKind = "health_check"
export const healthCheckOnDemandKey = (groupId: number) => `${healthCheckJobKind}:now:${groupId}`

/**
 * BOT-45 on demand: a check due now; None while one requested earlier is still queued or running. A function
 * over Jobs rather than only a BotStatus method because Restrictor needs it too (BOT-28) and BotStatus sits
 * above Restrictor's dependencies.
 */
export const requestHealthCheck = (jobs: Jobs, groupId: ChatId) =>
  jobs.scheduleIn(healthCheckJobKind, Duration.zero, { group_id: Number(groupId) }, healthCheckOnDemandKey(Number(groupId)))

const groupAlertKind = "group_health"
const channelAlertKind = "channel_unverifiable"
const noticeWindow = Duration.hours(6)
const groupNoticeTtl = Duration.hours(1)
const setupHintTtl = Duration.minutes(10)
const restoredTtl = Duration.minutes(5)

export interface GroupStatusInput {
  readonly groupId: ChatId
  readonly type: "group" | "supergroup"
  readonly title: string
  readonly username: string | null
  readonly rights: BotRights
  /** The bot's previous status as the update reports it (none from a health check). */
  readonly wasPresent?: boolean
}

export interface ChannelStatusInput {
  readonly channelId: ChannelId
  readonly rights: BotRights
}

/**
 * The bot's own status (BOT-42 to BOT-45): my_chat_member in groups and channels and the periodic health check
 * store the rights, switch the group to the matching reduced mode at once (the snapshot is invalidated, and
 * enforcement reads the rights from it), warn the group's admins at most once per reason per 6 h, and open
 * or resolve panel alerts.
 */
export class BotStatus extends Effect.Service<BotStatus>()("@nezuko/core/BotStatus", {
  effect: Effect.gen(function* () {
    const groups = yield* GroupRepo
    const channels = yield* ChannelRepo
    const alerts = yield* AlertRepo
    const restrictions = yield* RestrictionRepo
    const joinRequests = yield* JoinRequestRepo
    const directory = yield* GroupDirectory
    const telegram = yield* TelegramApi
    const jobs = yield* Jobs
    const store = yield* KeyValueStore

    const storedRights = (g: Group): BotRights => ({
      status: g.botStatus ?? "administrator", canRestrict: g.botCanRestrict, canDelete: g.botCanDelete, canInvite: g.botCanInvite
    })

    /** At most one notice of each channel (group message, DM) per group per reason per 6 h (BOT-44). */
    const fresh = <P extends string>(groupId: ChatId, via: "msg" | "dm", problems: ReadonlyArray<P>) =>
      Effect.filter(problems, (p) => store.setIfAbsent(`hnote:${groupId}:${via}:${p}`, "1", noticeWindow).pipe(Effect.orElseSucceed(() => true)))

    const describe = (problems: ReadonlyArray<HealthProblem>, linked: ReadonlyArray<LinkedChannel>) => {
      const lines: Array<string> = []
      if (problems.includes("not_admin")) lines.push(text("health.not_admin"))
      const rights = problems.filter((p): p is keyof typeof rightNames => p in rightNames)
      if (rights.length > 0) {
        lines.push(text("health.lost_rights", {
          rights: rights.map((r) => `<b>${rightNames[r]}</b>`).join(" and "),
          consequence: rights.map((r) => text(r === "can_restrict_members" ? "health.consequence.restrict" : r === "can_delete_messages" ? "health.consequence.delete" : "health.consequence.invite")).join(" ")
        }, { markup: ["rights", "consequence"] }))
      }
      const lost = problems.filter((p) => p.startsWith("channel:")).map((p) => Number(p.slice("channel:".length)))
      if (lost.length > 0) {
        const labels = lost.map((id) => {
          const c = linked.find((l) => Number(l.chatId) === id)
          return c ? channelLabel(c) : `<code>${id}</code>`
        })
        lines.push(text("health.channel_lost", { channels: labels.join(", ") }))
      }
      return lines.join("\n\n")
    }

    const dm = (protectedBy: UserId | null, groupTitle: string, problem: string) =>
      protectedBy === null
        ? Effect.void
        : telegram.sendMessage({ chat_id: protectedBy, text: text("health.dm", { group: groupTitle, problem }, { markup: ["problem"] }), parse_mode: "HTML" }, { priority: 2, kind: "send" }).pipe(
          // A 403 (the admin never started the bot, or blocked it) is expected and ignored (BOT-44 b).
          Effect.catchTag("TelegramCannotMessageUser", () => Effect.void),
          Effect.catchAll((e) => Effect.logWarning(`health DM failed: ${e._tag}`)),
          Effect.asVoid
        )

    const post = (groupId: ChatId, body: string, ttl: Duration.Duration) =>
      telegram.sendMessage({ chat_id: groupId, text: body, parse_mode: "HTML", link_preview_options: { is_disabled: true } }, { priority: 2, kind: "send" }).pipe(
        Effect.flatMap((m) => jobs.scheduleAutoDelete(groupId, [m.message_id], ttl)),
        Effect.catchAll((e) => Effect.logWarning(`health notice in the group failed: ${e._tag}`)),
        Effect.asVoid
      )

    /** BOT-44 (a)–(c) for the problems that just appeared. */
    const notify = (g: Group, linked: ReadonlyArray<LinkedChannel>, added: ReadonlyArray<HealthProblem>, canSend: boolean) =>
      Effect.gen(function* () {
        if (added.length === 0) return
        if (canSend) {
          const toPost = yield* fresh(g.chatId, "msg", added)
          if (toPost.length > 0) yield* post(g.chatId, describe(toPost, linked), groupNoticeTtl)
        }
        const toDm = yield* fresh(g.chatId, "dm", added)
        if (toDm.length > 0) yield* dm(g.protectedBy, g.title, describe(toDm, linked))
      })

    const raiseGroupAlert = (g: Group, health: GroupHealth, reason: string | null) =>
      alerts.raise({
        kind: groupAlertKind, severity: health === "degraded" ? "warning" : "critical", groupId: Number(g.chatId), channelId: null,
        message: `${g.title}: ${reason ?? health}`, details: { health, reason }
      }).pipe(Effect.asVoid)

    /**
     * Stores the new rights and health, then warns or resolves. `before`/`after` are the problems with the
     * previous and the new state; only a protected group warns anyone.
     */
    const apply = (g: Group, rights: BotRights, linkedBefore: ReadonlyArray<LinkedChannel>, linkedAfter: ReadonlyArray<LinkedChannel>, joinGate: boolean) =>
      Effect.gen(function* () {
        const before = problemsOf(storedRights(g), linkedBefore, joinGate)
        const after = problemsOf(rights, linkedAfter, joinGate)
        const { health, reason } = healthOf(rights, after)
        yield* groups.setBotRights(g.chatId, rights)
        yield* groups.setHealth(g.chatId, health, reason)
        yield* directory.invalidate(g.chatId)
        if (!g.enabled) return { health, reason }
        const added = after.filter((p) => !before.includes(p) || g.health === "removed")
        if (after.length > 0) {
          yield* raiseGroupAlert(g, health, reason)
          yield* notify(g, linkedAfter, added, true)
        } else if (g.health !== "ok" || before.length > 0) {
          yield* groups.resolveAlerts(g.chatId, [groupAlertKind])
          yield* post(g.chatId, text("health.restored"), restoredTtl)
        }
        return { health, reason }
      })

    /** Left or kicked (BOT-42 last row): suspended, jobs cancelled, pending records abandoned, alert. Data is kept. */
    const removed = (g: Group, rights: BotRights) =>
      Effect.gen(function* () {
        yield* groups.setBotRights(g.chatId, rights)
        const { health, reason } = healthOf(rights, [])
        yield* groups.setHealth(g.chatId, health, reason)
        yield* directory.invalidate(g.chatId)
        if (g.health === "removed" && g.botStatus === rights.status) return
        yield* jobs.cancel({ payload: { chat_id: Number(g.chatId) } })
        yield* jobs.cancel({ payload: { group_id: Number(g.chatId) } })
        const pending = yield* restrictions.pendingInGroup(g.chatId)
        yield* Effect.forEach(pending, (r) => restrictions.close(r.id, "abandoned", "bot_removed"), { discard: true })
        yield* joinRequests.abandonPending(g.chatId)
        if (!g.enabled) return
        yield* raiseGroupAlert(g, health, reason)
        const toDm = yield* fresh(g.chatId, "dm", ["removed"])
        if (toDm.length > 0) yield* dm(g.protectedBy, g.title, text("health.removed"))
      })

    const linkedOf = (groupId: ChatId) =>
      Effect.map(channels.linkedTo(groupId), (rows) =>
        rows.map((c): LinkedChannel => ({ chatId: c.chatId, title: c.title, username: c.username, inviteLink: c.inviteLink, health: c.health })))

    const joinGateOf = (groupId: ChatId) =>
      Effect.map(directory.get(groupId), Option.match({ onNone: () => false, onSome: (s) => s.settings.joinGate }))

    /** BOT-42: my_chat_member in a group (and BOT-45's check of the group). */
    const onGroup = Effect.fn("BotStatus.onGroup")(function* (input: GroupStatusInput) {
      const known = yield* groups.findById(input.groupId)
      if (!isBotPresent(input.rights)) {
        if (Option.isNone(known)) return
        return yield* removed(known.value, input.rights)
      }
      const g = yield* groups.upsert({ chatId: input.groupId, type: input.type, title: input.title, username: input.username, linkedChatId: null })
      const linked = yield* linkedOf(input.groupId)
      // A group the bot was not in: its stored rights describe an earlier stay.
      const arrived = input.wasPresent === false || Option.isNone(known) || g.health === "removed"
      const base: Group = arrived && Option.isSome(known) ? { ...g, health: "removed" } : g
      yield* apply(base, input.rights, linked, linked, yield* joinGateOf(input.groupId))
      if (arrived && !g.enabled) yield* post(input.groupId, text("health.setup_hint"), setupHintTtl)
    })

    /** BOT-43: my_chat_member in a channel; every group linking it is re-evaluated. */
    const onChannel = Effect.fn("BotStatus.onChannel")(function* (input: ChannelStatusInput) {
      const channel = yield* channels.findById(input.channelId)
      if (Option.isNone(channel)) return
      const readable = input.rights.status === "administrator"
      const health = readable ? "ok" as const : "unverifiable" as const
      const was = channel.value.health
      yield* channels.setBotStatus(input.channelId, input.rights.status, health, readable ? null : `bot is ${input.rights.status}`)
      if (readable) yield* channels.resolveAlerts(input.channelId, channelAlertKind)
      else if (was === "ok") {
        yield* alerts.raise({
          kind: channelAlertKind, severity: "warning", groupId: null, channelId: Number(input.channelId),
          message: `${channel.value.title}: the bot is no longer an administrator; membership there can't be verified`, details: { status: input.rights.status }
        })
      }
      const linkedGroups = yield* channels.linkedGroups(input.channelId)
      yield* Effect.forEach(linkedGroups, (groupId) => Effect.gen(function* () {
        const g = yield* groups.findById(groupId)
        if (Option.isNone(g) || g.value.health === "removed") return yield* directory.invalidate(groupId)
        const after = yield* linkedOf(groupId)
        const before = after.map((c) => (Number(c.chatId) === Number(input.channelId) ? { ...c, health: was } : c))
        yield* apply(g.value, storedRights(g.value), before, after, yield* joinGateOf(groupId))
      }).pipe(Effect.catchAllCause((cause) => Effect.logWarning("channel status: one group failed", cause))), { discard: true })
    })

    /**
     * BOT-45: asks Telegram about the bot in the group and each channel, and refreshes channel titles and
     * usernames, to catch missed my_chat_member updates. Transient failures change nothing.
     */
    const check = Effect.fn("BotStatus.check")(function* (groupId: ChatId, botId: UserId) {
      const g = yield* groups.findById(groupId)
      if (Option.isNone(g)) return "unknown group"
      const me = yield* telegram.getChatMember({ chat_id: groupId, user_id: botId }, { priority: 2, kind: "membership" }).pipe(
        Effect.map(Option.some),
        Effect.catchTag("TelegramChatUnavailable", () => Effect.succeed(Option.some<ChatMember>({ status: "left", user: { id: botId, is_bot: true, first_name: "bot" } }))),
        Effect.catchAll((e) => Effect.as(Effect.logWarning(`health check: the group could not be read: ${e._tag}`), Option.none<ChatMember>()))
      )
      const linked = yield* channels.linkedTo(groupId)
      // Channels first, so the group's health below sees their state.
      yield* Effect.forEach(linked, (c) => Effect.gen(function* () {
        const mine = yield* telegram.getChatMember({ chat_id: c.chatId, user_id: botId }, { priority: 2, kind: "membership" }).pipe(
          Effect.map((m) => Option.some(botRightsOf(m))),
          Effect.catchTags({
            TelegramChatUnavailable: () => Effect.succeed(Option.some<BotRights>({ status: "left", canRestrict: false, canDelete: false, canInvite: false })),
            TelegramMissingRights: () => Effect.succeed(Option.some<BotRights>({ status: "member", canRestrict: false, canDelete: false, canInvite: false }))
          }),
          Effect.orElseSucceed(() => Option.none<BotRights>())
        )
        if (Option.isSome(mine) && (mine.value.status === "administrator") !== (c.health === "ok")) yield* onChannel({ channelId: c.chatId, rights: mine.value })
        const info = yield* telegram.getChat({ chat_id: c.chatId }, { priority: 2 }).pipe(Effect.option)
        if (Option.isSome(info)) {
          // BOT-45 "and links": a revoked primary link is replaced by the current one, so prompts keep working.
          yield* channels.refresh(c.chatId, { title: info.value.title ?? c.title, username: info.value.username ?? null, inviteLink: info.value.invite_link ?? null })
        }
      }).pipe(Effect.catchAllCause((cause) => Effect.logWarning("health check: one channel failed", cause))), { discard: true })
      if (Option.isSome(me)) {
        yield* onGroup({ groupId, type: g.value.type, title: g.value.title, username: g.value.username, rights: botRightsOf(me.value), wasPresent: g.value.health !== "removed" })
      }
      yield* directory.invalidate(groupId)
      const now = yield* groups.findById(groupId)
      return Option.match(now, { onNone: () => "gone", onSome: (x) => `${x.health}${x.healthReason ? `: ${x.healthReason}` : ""}` })
    })

    /** PANEL-6's "Re-check bot rights". */
    const requestCheck = (groupId: ChatId) => requestHealthCheck(jobs, groupId)

    return { onGroup, onChannel, check, requestCheck } as const
  })
}) {}
