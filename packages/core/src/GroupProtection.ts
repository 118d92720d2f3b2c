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
import { channelLabel, text, type TextKey } from "./Texts.js"

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
      audit.record(AuditEntry.byTelegramUser(actor, action, groupId, oldValue, newValue))

    const notAdmin = (command: string, language?: string) =>
      new ProtectRefused({ reply: text("protect.err.not_admin", { command }, { language }), notAdmin: true })

    // BOT-13 steps 1–3.
    const preflight = (chat: CommandChat, actor: UserId, joinGate: boolean, language: string | undefined) =>
      Effect.gen(function* () {
        if (chat.type === "private" || chat.type === "channel") return yield* new ProtectRefused({ reply: text("private.groups_only", {}, { language }) })
        if (chat.type === "group") return yield* new ProtectRefused({ reply: text("protect.err.basic_group", {}, { language }) })
        if (!(yield* admins.isAuthorized(chat.id, actor))) return yield* notAdmin("protect", language)
        const bot = yield* me
        const mine = yield* telegram.getChatMember({ chat_id: chat.id, user_id: bot.id })
        const missing = missingGroupRights(mine, joinGate)
        if (missing.length > 0) return yield* new ProtectRefused({ reply: text("protect.err.group_rights", { rights: missing.join(", ") }, { language }) })
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

    const bullets = (linked: ReadonlyArray<{ readonly title: string; readonly username: string | null }>) =>
      linked.map((c) => `• ${channelLabel(c)}`).join("\n")

    const protect = Effect.fn("GroupProtection.protect")(function* (chat: CommandChat, actor: UserId, refs: ReadonlyArray<string>) {
      const existing = yield* groups.findById(chat.id)
      const linkedBefore = yield* channels.linkedTo(chat.id)
      const stored = yield* settings.find(chat.id)
      const joinGate = Option.match(stored, { onNone: () => false, onSome: (s) => s.joinGate })
      const language = Option.getOrUndefined(Option.map(stored, (s) => s.language))
      const { mine } = yield* preflight(chat, actor, joinGate, language)
      const enabledBefore = Option.match(existing, { onNone: () => false, onSome: (g) => g.enabled })
      if (refs.length === 0) {
        if (linkedBefore.length === 0) return text("protect.usage", {}, { language })
        if (enabledBefore) return text("protect.already", { channels: bullets(linkedBefore) }, { language })
      }
      // BOT-13 steps 4–7 for every reference before anything is written; step 8 the limit. Without references
      // (turning protection back on) the saved channels are checked the same way (BOT-11).
      const toCheck = refs.length === 0 ? linkedBefore.map((c) => String(c.chatId)) : refs
      const resolved: Array<ResolvedChannel> = []
      for (const ref of toCheck) resolved.push(yield* resolver.resolve(ref, mine.user.id, actor))
      const fresh = resolved.filter((r, i) =>
        !linkedBefore.some((c) => Number(c.chatId) === r.chat.id) && resolved.findIndex((o) => o.chat.id === r.chat.id) === i)
      if (linkedBefore.length + fresh.length > MaxChannelsPerGroup) {
        return yield* new ProtectRefused({
          reply: text("protect.err.too_many", { max: MaxChannelsPerGroup, count: linkedBefore.length + fresh.length }, { language })
        })
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
      return text("protect.ok", { group: row.title, channels: bullets(yield* channels.linkedTo(chat.id)) }, { language })
    })

    /** BOT-16: enforcement off, every bot-owned pending restriction released (release_all); how many. */
    const disable = (groupId: ChatId, actor: UserId) =>
      Effect.gen(function* () {
        yield* groups.setEnabled(groupId, false)
        yield* directory.invalidate(groupId)
        const released = yield* release.disabled(groupId)
        yield* record(actor, "bot.unprotect", groupId, { enabled: true }, { enabled: false, released })
        return released
      })

    /** Restores every bot-owned pending restriction and deletes its prompt (BOT-16's release_all). */
    const unprotect = Effect.fn("GroupProtection.unprotect")(function* (chat: CommandChat, actor: UserId, ref: string | null) {
      if (chat.type !== "supergroup") return yield* new ProtectRefused({ reply: text("unprotect.err.supergroup_only") })
      if (!(yield* admins.isAuthorized(chat.id, actor))) return yield* notAdmin("unprotect")
      const group = yield* groups.findById(chat.id)
      const linked = yield* channels.linkedTo(chat.id)
      if (Option.isNone(group) || linked.length === 0) return text("unprotect.not_protected")
      if (ref !== null) {
        const target = linked.find((c) => c.username?.toLowerCase() === ref.replace(/^@|^(https?:\/\/)?t\.me\//i, "").toLowerCase() || String(c.chatId) === ref)
        if (!target) return text("unprotect.err.not_linked", { ref })
        if (linked.length > 1) {
          yield* channels.unlink(chat.id, target.chatId)
          yield* record(actor, "bot.unprotect", chat.id, { channels: linked.map((c) => c.chatId) }, { channels: linked.filter((c) => c !== target).map((c) => c.chatId) })
          yield* directory.invalidate(chat.id)
          yield* release.unlinked(chat.id, target.chatId)
          return text("unprotect.dropped", { channel: channelLabel(target), channels: linked.filter((c) => c !== target).map(channelLabel).join(", ") }, {
            markup: ["channel", "channels"]
          })
        }
        // BOT-16: the last channel goes as asked (kept, a later `/protect @other` would require it again), and
        // with nothing left to require this is `/unprotect`.
        yield* channels.unlink(chat.id, target.chatId)
        yield* record(actor, "bot.unprotect", chat.id, { channels: [target.chatId] }, { channels: [] })
        yield* directory.invalidate(chat.id)
        const label = { channel: channelLabel(target) }
        if (!group.value.enabled) return text("unprotect.last.off", label, { markup: ["channel"] })
        const released = yield* disable(chat.id, actor)
        return text(released === 1 ? "unprotect.last.one" : "unprotect.last.other", { ...label, count: released }, { markup: ["channel"] })
      }
      if (!group.value.enabled) return text("unprotect.already_off")
      const released = yield* disable(chat.id, actor)
      return text(released === 1 ? "unprotect.ok.one" : "unprotect.ok.other", { count: released })
    })

    const status = Effect.fn("GroupProtection.status")(function* (chat: CommandChat, actor: UserId) {
      if (!(yield* admins.isAuthorized(chat.id, actor))) return yield* notAdmin("status")
      const snapshot = yield* directory.get(chat.id)
      if (Option.isNone(snapshot) || snapshot.value.channels.length === 0) return text("status.not_protected")
      const g = snapshot.value
      const t = (key: TextKey, values: Record<string, string | number> = {}, markup: ReadonlyArray<string> = []) =>
        text(key, values, { language: g.settings.language, markup })
      const pending = (yield* restrictions.pendingInGroup(chat.id)).length
      const counts = yield* vlog.countByDecision(new Date((yield* Clock.currentTimeMillis) - 86_400_000), chat.id)
      const count = (d: "restrict" | "verify" | "pass") => counts[d] ?? 0
      const mark = (ok: boolean) => (ok ? "✓" : "✗")
      // The reason lives on the group's row only; the hot path's snapshot does not carry it.
      const reason = Option.flatMap(yield* groups.findById(chat.id), (row) => Option.fromNullable(row.healthReason))
      const withReason = (state: string) =>
        Option.match(reason, { onNone: () => state, onSome: (r) => t("status.state.reason", { state, reason: r }, ["state"]) })
      // BOT-4: without admin status (broken) or once removed nothing is enforced; degraded still enforces in part.
      const state = !g.enabled
        ? t("status.state.off")
        : g.health === "ok"
        ? t("status.state.on")
        : withReason(t(g.health === "degraded" ? "status.state.degraded" : "status.state.suspended"))
      const link = (c: LinkedChannel) => {
        const url = joinUrl(c)
        return url === null ? t("status.channel.no_link") : t("status.channel.link", { url })
      }
      const health = (c: LinkedChannel) => t(c.health === "ok" ? "status.channel.ok" : "status.channel.unverifiable")
      const onOff = (on: boolean) => t(on ? "settings.value.on" : "settings.value.off")
      return [
        t("status.header", { group: g.title, state }, ["state"]),
        t("status.channels"),
        ...g.channels.map((c) => t("status.channel", { channel: channelLabel(c), link: link(c), health: health(c) }, ["channel", "link", "health"])),
        t("status.rights", { admin: mark(g.botStatus === "administrator"), restrict: mark(g.botCanRestrict), delete: mark(g.botCanDelete), invite: mark(g.botCanInvite) }),
        t("status.pending", { count: pending }),
        t("status.last_24h", { restricted: count("restrict"), verified: count("verify"), passed: count("pass") }),
        t("status.settings", {
          action: g.settings.timeoutAction,
          minutes: g.settings.timeoutMinutes,
          join_gate: onOff(g.settings.joinGate),
          dry_run: onOff(g.settings.dryRun)
        }, ["join_gate", "dry_run"])
      ].join("\n")
    })

    return { protect, unprotect, status } as const
  })
}) {}
