import { SqlClient } from "@effect/sql"
import { AuditRepo, ChannelRepo, GroupRepo, RestrictionRepo, SettingsRepo, VerificationLogRepo } from "@nezuko/db"
import { AuditEntry, ChannelId, type ChatId, MaxChannelsPerGroup, type UserId } from "@nezuko/domain"
import { Clock, Effect, Option } from "effect"
import { BatchScan } from "./BatchScan.js"
import { ChatAdmins } from "./ChatAdmins.js"
import { GroupRelease } from "./GroupRelease.js"
import { GroupDirectory, joinUrl, type LinkedChannel } from "./GroupDirectory.js"
import { ChannelResolver, missingGroupRights, ProtectRefused, type ResolvedChannel } from "./ProtectChecks.js"
import { TelegramApi } from "./TelegramApi.js"
import { channelLabel, escapeHtml, text } from "./Texts.js"

export interface CommandChat {
  readonly id: ChatId
  readonly type: "private" | "group" | "supergroup" | "channel"
  readonly title: string
  readonly username: string | null
}

/** /protect, /unprotect and /status (BOT-11 to BOT-17). Each returns the HTML reply; refusals fail with ProtectRefused. */
export class GroupProtection extends Effect.Service<GroupProtection>()("@nezuko/core/GroupProtection", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const telegram = yield* TelegramApi
    const groups = yield* GroupRepo
    const channels = yield* ChannelRepo
    const settings = yield* SettingsRepo
    const restrictions = yield* RestrictionRepo
    const audit = yield* AuditRepo
    const directory = yield* GroupDirectory
    const admins = yield* ChatAdmins
    const resolver = yield* ChannelResolver
    const vlog = yield* VerificationLogRepo
    const batchScan = yield* BatchScan
    const release = yield* GroupRelease
    const me = yield* Effect.cached(telegram.getMe())

    const record = (actor: UserId, action: string, groupId: ChatId, oldValue: unknown, newValue: unknown) =>
      audit.record(new AuditEntry({
        actorType: "telegram_user", actorAdminId: null, actorTgId: actor, action, resourceType: "group", resourceId: String(groupId),
        outcome: "success", oldValue, newValue, ip: null, clientUa: null, requestId: null
      }))

    // BOT-13 steps 1–3.
    const preflight = (chat: CommandChat, actor: UserId, joinGate: boolean) =>
      Effect.gen(function* () {
        if (chat.type === "private" || chat.type === "channel") return yield* new ProtectRefused({ reply: text("private.groups_only") })
        if (chat.type === "group") {
          return yield* new ProtectRefused({ reply: "Restrictions need a supergroup. Make the group public once, or turn on chat history for new members, and Telegram converts it; then send /protect again." })
        }
        if (!(yield* admins.isAuthorized(chat.id, actor))) return yield* new ProtectRefused({ reply: "Only admins with the Ban users right can use /protect." })
        const bot = yield* me
        const mine = yield* telegram.getChatMember({ chat_id: chat.id, user_id: bot.id })
        const missing = missingGroupRights(mine, joinGate)
        if (missing.length > 0) return yield* new ProtectRefused({ reply: `I need these rights in this group first: ${missing.join(", ")}. Open the group → Administrators → me, turn them on, then send /protect again.` })
        return { bot, mine }
      })

    const groupRow = (chat: CommandChat) =>
      Effect.gen(function* () {
        const info = yield* telegram.getChat({ chat_id: chat.id }).pipe(Effect.option)
        return {
          chatId: chat.id, type: "supergroup" as const, title: Option.match(info, { onNone: () => chat.title, onSome: (i) => i.title ?? chat.title }),
          username: chat.username, linkedChatId: Option.getOrNull(Option.flatMap(info, (i) => Option.fromNullable(i.linked_chat_id))) as ChatId | null
        }
      })

    const protectReply = (title: string, linked: ReadonlyArray<{ readonly title: string; readonly username: string | null }>) =>
      `Protection is on for <b>${escapeHtml(title)}</b>. Members must join:\n${linked.map((c) => `• ${channelLabel(c)}`).join("\n")}\n\n` +
      "Anyone who hasn't joined every channel is muted and shown what to join, and released as soon as they have. Fine-tune with /settings."

    const protect = Effect.fn("GroupProtection.protect")(function* (chat: CommandChat, actor: UserId, refs: ReadonlyArray<string>) {
      const existing = yield* groups.findById(chat.id)
      const linkedBefore = yield* channels.linkedTo(chat.id)
      const stored = yield* settings.find(chat.id)
      const joinGate = Option.match(stored, { onNone: () => false, onSome: (s) => s.joinGate })
      const { mine } = yield* preflight(chat, actor, joinGate)
      const enabledBefore = Option.match(existing, { onNone: () => false, onSome: (g) => g.enabled })
      if (refs.length === 0) {
        if (linkedBefore.length === 0) return "Usage: <code>/protect @channel</code> — up to 5 channels, e.g. <code>/protect @my_channel @my_news</code>."
        if (enabledBefore) return `Already protected. Members must join:\n${linkedBefore.map((c) => `• ${channelLabel(c)}`).join("\n")}`
      }
      // BOT-13 steps 4–7 for every reference before anything is written; step 8 the limit. Without references
      // (turning protection back on) the saved channels are checked the same way (BOT-11).
      const toCheck = refs.length === 0 ? linkedBefore.map((c) => String(c.chatId)) : refs
      const resolved: Array<ResolvedChannel> = []
      for (const ref of toCheck) resolved.push(yield* resolver.resolve(ref, mine.user.id, actor))
      const fresh = resolved.filter((r, i) =>
        !linkedBefore.some((c) => Number(c.chatId) === r.chat.id) && resolved.findIndex((o) => o.chat.id === r.chat.id) === i)
      if (linkedBefore.length + fresh.length > MaxChannelsPerGroup) {
        return yield* new ProtectRefused({ reply: `A group can require at most ${MaxChannelsPerGroup} channels; this would make ${linkedBefore.length + fresh.length}.` })
      }
      const row = yield* groupRow(chat)
      yield* sql.withTransaction(Effect.gen(function* () {
        yield* groups.upsert(row)
        yield* groups.setBotRights(chat.id, {
          status: "administrator",
          canRestrict: mine.status === "creator" || (mine.status === "administrator" && mine.can_restrict_members),
          canDelete: mine.status === "creator" || (mine.status === "administrator" && mine.can_delete_messages),
          canInvite: mine.status === "creator" || (mine.status === "administrator" && mine.can_invite_users)
        })
        yield* groups.setHealth(chat.id, "ok", null)
        yield* settings.ensure(chat.id)
        for (const r of fresh) {
          const id = ChannelId.make(r.chat.id)
          yield* channels.upsert({ chatId: id, title: r.chat.title ?? r.ref, username: r.chat.username ?? null, inviteLink: r.chat.username ? null : r.inviteLink, inviteLinkByBot: r.inviteLinkByBot })
          yield* channels.link(chat.id, id, { tg: actor })
        }
        yield* groups.setEnabled(chat.id, true, actor)
        yield* record(actor, "bot.protect", chat.id, { enabled: enabledBefore, channels: linkedBefore.map((c) => c.chatId) }, { enabled: true, channels: [...linkedBefore.map((c) => c.chatId), ...fresh.map((r) => r.chat.id)] })
      }))
      yield* directory.invalidate(chat.id)
      yield* admins.invalidate(chat.id)
      // BOT-48: protection turned on or a channel added: check the members the bot has already seen.
      if (!enabledBefore || fresh.length > 0) {
        yield* batchScan.start(chat.id).pipe(Effect.catchAll((e) => Effect.logWarning(`could not start the batch scan: ${e._tag}`)))
      }
      return protectReply(row.title, yield* channels.linkedTo(chat.id))
    })

    /** Restores every bot-owned pending restriction and deletes its prompt (BOT-16's release_all). */
    const unprotect = Effect.fn("GroupProtection.unprotect")(function* (chat: CommandChat, actor: UserId, ref: string | null) {
      if (chat.type !== "supergroup") return yield* new ProtectRefused({ reply: "This works in supergroups only." })
      if (!(yield* admins.isAuthorized(chat.id, actor))) return yield* new ProtectRefused({ reply: "Only admins with the Ban users right can use /unprotect." })
      const group = yield* groups.findById(chat.id)
      const linked = yield* channels.linkedTo(chat.id)
      if (Option.isNone(group) || linked.length === 0) return "This group isn't protected."
      if (ref !== null) {
        const target = linked.find((c) => c.username?.toLowerCase() === ref.replace(/^@|^(https?:\/\/)?t\.me\//i, "").toLowerCase() || String(c.chatId) === ref)
        if (!target) return `${escapeHtml(ref)} is not one of this group's channels.`
        if (linked.length > 1) {
          yield* channels.unlink(chat.id, target.chatId)
          yield* record(actor, "bot.unprotect", chat.id, { channels: linked.map((c) => c.chatId) }, { channels: linked.filter((c) => c !== target).map((c) => c.chatId) })
          yield* directory.invalidate(chat.id)
          yield* release.unlinked(chat.id, target.chatId)
          return `${channelLabel(target)} is no longer required. Members still need: ${linked.filter((c) => c !== target).map(channelLabel).join(", ")}.`
        }
      }
      if (!group.value.enabled) return "Already off; /protect turns it back on with the saved channels."
      yield* groups.setEnabled(chat.id, false)
      yield* directory.invalidate(chat.id)
      const released = yield* release.disabled(chat.id)
      yield* record(actor, "bot.unprotect", chat.id, { enabled: true }, { enabled: false, released })
      return `Protection is off. ${released} ${released === 1 ? "member is" : "members are"} being released. /protect turns it back on with the saved channels.`
    })

    const status = Effect.fn("GroupProtection.status")(function* (chat: CommandChat, actor: UserId) {
      if (!(yield* admins.isAuthorized(chat.id, actor))) return yield* new ProtectRefused({ reply: "Only admins with the Ban users right can use /status." })
      const snapshot = yield* directory.get(chat.id)
      if (Option.isNone(snapshot) || snapshot.value.channels.length === 0) return "This group isn't protected. Admins: use /protect @channel"
      const g = snapshot.value
      const pending = (yield* restrictions.pendingInGroup(chat.id)).length
      const counts = yield* vlog.countByDecision(new Date((yield* Clock.currentTimeMillis) - 86_400_000), chat.id)
      const count = (d: "restrict" | "verify" | "pass") => counts[d] ?? 0
      const mark = (ok: boolean) => (ok ? "✓" : "✗")
      // The reason lives on the group's row only; the hot path's snapshot does not carry it.
      const reason = Option.flatMap(yield* groups.findById(chat.id), (row) => Option.fromNullable(row.healthReason))
      const why = Option.match(reason, { onNone: () => "", onSome: (r) => ` (${escapeHtml(r)})` })
      // BOT-4: without admin status (broken) or once removed nothing is enforced; degraded still enforces in part.
      const state = !g.enabled ? "off" : g.health === "ok" ? "on" : g.health === "degraded" ? `on, degraded${why}` : `suspended${why}`
      const link = (c: LinkedChannel) => {
        const url = joinUrl(c)
        return url === null ? "no link" : `<a href="${escapeHtml(url)}">link</a>`
      }
      return [
        `<b>${escapeHtml(g.title)}</b>: protection ${state}`,
        "Channels:",
        ...g.channels.map((c) => `• ${channelLabel(c)} · ${link(c)} · ${c.health === "ok" ? "✓" : "⚠ unverifiable"}`),
        `Bot rights: ${mark(g.botStatus === "administrator")} Administrator  ${mark(g.botCanRestrict)} Ban users  ${mark(g.botCanDelete)} Delete messages  ${mark(g.botCanInvite)} Invite users`,
        `Pending now: ${pending}`,
        `Last 24 h: ${count("restrict")} restricted, ${count("verify")} verified, ${count("pass")} passed`,
        `Timeout: ${g.settings.timeoutAction} after ${g.settings.timeoutMinutes} min · join gate ${g.settings.joinGate ? "on" : "off"} · dry run ${g.settings.dryRun ? "on" : "off"}`
      ].join("\n")
    })

    return { protect, unprotect, status } as const
  })
}) {}
