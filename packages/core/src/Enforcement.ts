import { JoinRequestRepo, MemberRepo } from "@nezuko/db"
import type { ChatId, UserId } from "@nezuko/domain"
import { Clock, Duration, Effect, Either, Option } from "effect"
import { requestHealthCheck } from "./BotStatus.js"
import { ChatAdmins } from "./ChatAdmins.js"
import { classifySender } from "./Classification.js"
import { decide, verifiable } from "./Decide.js"
import { Decisions } from "./Decisions.js"
import { GroupDirectory, type GroupSnapshot, type LinkedChannel } from "./GroupDirectory.js"
import type { JoinInput, MessageInput, Sender } from "./Inputs.js"
import { Jobs, promptDeleteKind } from "./Jobs.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { withLeanSpan } from "./LeanSpan.js"
import { type ChannelCheck, Membership } from "./Membership.js"
import { Protection } from "./Protection.js"
import { Restrictor } from "./Restrictor.js"
import { TelegramApi } from "./TelegramApi.js"
import { UserFlags } from "./UserFlags.js"
import { groupText } from "./Prompts.js"
import { text } from "./Texts.js"

/** BOT-31: how long the bot's approval of a join request stands in for the join's own check. */
const approvalTrust = Duration.minutes(10)

/** What rows 7 to 9 of BOT-23 and BOT-24 make of a sender (`evaluateHere` and `evaluateFetching` build the same). */
type Evaluation = ReturnType<typeof exempt> | ReturnType<typeof pendingIn> | ReturnType<typeof checked>

const exempt = (reason: "admin" | "whitelist", startedAt: number) => ({ _tag: "Exempt", reason, startedAt }) as const
const pendingIn = (g: GroupSnapshot, startedAt: number) => ({ _tag: "Pending", startedAt, channels: verifiable(g.channels) }) as const
const checked = (g: GroupSnapshot, channels: ReadonlyArray<LinkedChannel>, checks: ReadonlyArray<ChannelCheck>, startedAt: number) =>
  ({ _tag: "Checked", startedAt, channels, checks, decision: decide(channels, checks, g.settings), cached: checks.every((c) => c.cached) }) as const

/**
 * The enforcement engine for messages (BOT-22 to BOT-29) and joins (BOT-30 to BOT-33): classify the sender,
 * decide on membership over every linked channel in parallel, and hand non-members to the restrict flow.
 */
export class Enforcement extends Effect.Service<Enforcement>()("@nezuko/core/Enforcement", {
  effect: Effect.gen(function* () {
    const directory = yield* GroupDirectory
    const admins = yield* ChatAdmins
    const flags = yield* UserFlags
    const members = yield* MemberRepo
    const membership = yield* Membership
    const restrictor = yield* Restrictor
    const protection = yield* Protection
    const telegram = yield* TelegramApi
    const store = yield* KeyValueStore
    const jobs = yield* Jobs
    const decisions = yield* Decisions
    const joinRequests = yield* JoinRequestRepo

    // BOT-49: at most one write per (group, user) every 10 minutes, and never message content.
    // Keyed by the numeric ids, group then user: a string key per message cost more than the lookup itself
    // (the bot benchmark's profile).
    const seenHere = new Map<number, Map<number, number>>()
    let seenCount = 0
    /**
     * The write BOT-49 owes this sighting, or undefined when there is none. The decision never depends on it, so
     * callers run it after the decision, within the same update: before it, a first sighting's Redis round trip
     * and two statements held up the decision by their whole time; beside it, a burst of first sightings put
     * those statements in the pool's queue ahead of the restrict flow's, widening the gap between a mute and its
     * record, so that a crash then left more users to be muted twice (AT-10's kill test: 19–31 instead of ≤ 10).
     */
    const track = (groupId: ChatId, user: Sender, now: number): Effect.Effect<void> | undefined => {
      // This replica's own memory answers most repeats without a round trip (or an Effect step); Redis dedupes
      // across replicas.
      let users = seenHere.get(groupId)
      if ((users?.get(user.id) ?? 0) > now) return undefined
      if (seenCount >= 100_000) {
        seenHere.clear()
        seenCount = 0
        users = undefined
      }
      if (users === undefined) seenHere.set(groupId, users = new Map())
      if (!users.has(user.id)) seenCount++
      users.set(user.id, now + 600_000)
      return Effect.gen(function* () {
        const fresh = yield* store.setIfAbsent(`seen:${groupId}:${user.id}`, "1", Duration.minutes(10))
        if (!fresh) return
        yield* members.rememberUser({ userId: user.id, firstName: user.firstName, lastName: user.lastName, username: user.username, isBot: user.isBot, languageCode: user.languageCode })
        yield* members.setPresence(groupId, user.id, "member", false)
      }).pipe(Effect.ignore)
    }

    /** Rows 7 and 8 of BOT-23, then the membership decision (BOT-24). */
    const evaluate = (g: GroupSnapshot, user: Sender, trigger: "message" | "join", startedAt: number) =>
      Effect.clockWith((clock) => evaluateHere(g, user, trigger, startedAt, clock.unsafeCurrentTimeMillis()) ?? evaluateFetching(g, user, trigger, startedAt))

    /**
     * `evaluate` from this process's copies alone — the same checks in the same order — or undefined when one
     * of them has to be fetched (or renewed). A message from a known member then takes a few Effect steps
     * instead of a few dozen: the engine's span went from 54 to 31 operations per decision in the bot
     * benchmark's counted pass (`BENCH_BOT_OPS_BY_SPAN=1 pnpm bench bot`).
     */
    const evaluateHere = (g: GroupSnapshot, user: Sender, trigger: "message" | "join", startedAt: number, now: number): Effect.Effect<Evaluation> | undefined => {
      const admin = admins.isAdminHere(g.chatId, user.id, now)
      if (admin === undefined) return undefined
      if (admin) return Effect.succeed(exempt("admin", startedAt))
      const listed = flags.isWhitelistedHere(g.chatId, user.id, now)
      if (listed === undefined) return undefined
      if (listed) return Effect.succeed(exempt("whitelist", startedAt))
      if (trigger === "message") {
        const pending = flags.isPendingHere(g.chatId, user.id, now)
        if (pending === undefined) return undefined
        if (pending) return Effect.succeed(pendingIn(g, startedAt))
      }
      const channels = verifiable(g.channels)
      const checks = membership.checkAllHere(channels.map((c) => c.chatId), user.id, now)
      return checks === undefined ? undefined : Effect.map(checks, (checks) => checked(g, channels, checks, startedAt))
    }

    const evaluateFetching = (g: GroupSnapshot, user: Sender, trigger: "message" | "join", startedAt: number) =>
      Effect.gen(function* () {
        if (yield* admins.isAdmin(g.chatId, user.id).pipe(Effect.orElseSucceed(() => false))) return exempt("admin", startedAt)
        if (yield* flags.isWhitelisted(g.chatId, user.id)) return exempt("whitelist", startedAt)
        if (trigger === "message" && (yield* flags.isPending(g.chatId, user.id))) return pendingIn(g, startedAt)
        return yield* membershipOf(g, user, startedAt)
      })

    /** BOT-24: every linked channel, in parallel. */
    const membershipOf = (g: GroupSnapshot, user: Sender, startedAt: number) => {
      const channels = verifiable(g.channels)
      return membership.checkAll(channels.map((c) => c.chatId), user.id, { priority: 1 }).pipe(
        Effect.tap((checks) => (checks.some((c) => c.unknownReason === "chat_unavailable") ? unreadable(g) : Effect.void)),
        Effect.map((checks) => checked(g, channels, checks, startedAt))
      )
    }

    /**
     * CACHE-2: Telegram says a channel is unreadable (the bot was removed, the chat is gone) and no update told
     * us. The health check, brought forward, marks it unverifiable and warns as BOT-43 says; once per group in
     * 5 minutes, so a busy group does not queue one per message.
     */
    const unreadable = (g: GroupSnapshot) =>
      store.setIfAbsent(`unreadable:${g.chatId}`, "1", Duration.minutes(5)).pipe(
        Effect.flatMap((first) => (first ? requestHealthCheck(jobs, g.chatId) : Effect.void)),
        Effect.catchAll((e) => Effect.logWarning(`could not bring the health check forward: ${e._tag}`))
      )

    const channelIdentity = (m: MessageInput, g: GroupSnapshot, senderChatId: number) =>
      Effect.gen(function* () {
        if (g.settings.channelIdentityPolicy === "allow") {
          return yield* decisions.record({ groupId: g.chatId, userId: m.from.id, senderChatId: m.senderChat?.id ?? null, trigger: "message", decision: "exempt", reason: "channel_identity" })
        }
        // BOT-52: a dry run only records what it would have done.
        if (g.settings.dryRun) {
          return yield* decisions.record({ groupId: g.chatId, userId: m.from.id, senderChatId: m.senderChat?.id ?? null, trigger: "message", decision: "dry_run", reason: "would_delete" })
        }
        yield* Effect.ignore(protection.deleteMessage(g.chatId, m.messageId, 1))
        const first = yield* store.setIfAbsent(`ident:${g.chatId}:${senderChatId}`, "1", Duration.hours(1)).pipe(Effect.orElseSucceed(() => true))
        if (first) {
          // BOT-23 row 4: at most one notice per sender chat per hour, gone after 30 s.
          yield* telegram.sendMessage({
            chat_id: g.chatId, text: text("identity.blocked"), parse_mode: "HTML",
            ...(m.threadId === null ? {} : { message_thread_id: m.threadId })
          }, { priority: 2, kind: "send" }).pipe(
            Effect.flatMap((notice) => jobs.scheduleAutoDelete(g.chatId, [notice.message_id], Duration.seconds(30))),
            Effect.ignore
          )
        }
        // `ban_channel_identities`: the second offence of a sender chat within 24 h bans it from the group.
        const banned = g.settings.banChannelIdentities &&
          (yield* store.increment(`identity:${g.chatId}:${senderChatId}`, Duration.hours(24)).pipe(Effect.orElseSucceed(() => 1))) >= 2 &&
          Either.isRight(yield* Effect.either(telegram.banChatSenderChat({ chat_id: g.chatId, sender_chat_id: senderChatId })))
        yield* decisions.record({
          groupId: g.chatId, userId: m.from.id, senderChatId: m.senderChat?.id ?? null, trigger: "message", decision: banned ? "ban" : "restrict", reason: "channel_identity"
        })
      })

    // Every group message comes through here: a lean span (withLeanSpan) without a captured stack trace, rather
    // than Effect.fn, which creates an Error on every call to locate the span (the bot benchmark's profile).
    const onMessage = (m: MessageInput) => Effect.gen(function* () {
      // Latency is measured from the moment the update reaches the engine (OPS-5 decision latency).
      const startedAt = yield* Clock.currentTimeMillis
      const snapshot = yield* directory.get(m.groupId)
      if (Option.isNone(snapshot)) return
      const g = snapshot.value
      const tracking = track(g.chatId, m.from, startedAt)
      const decision = directory.isEnforced(g) ? decideMessage(m, g, startedAt) : Effect.void
      // Both finish before the update counts as handled, so the sighting is as durable as before.
      return yield* tracking === undefined ? decision : Effect.zipRight(decision, tracking)
    }).pipe(withLeanSpan("Enforcement.onMessage"))

    const decideMessage = (m: MessageInput, g: GroupSnapshot, startedAt: number) => Effect.gen(function* () {
      const cls = classifySender(m, g)
      if (cls._tag === "Exempt") {
        return yield* decisions.record({ groupId: g.chatId, userId: m.from.id, senderChatId: m.senderChat?.id ?? null, trigger: "message", decision: "exempt", reason: cls.reason, startedAt })
      }
      if (cls._tag === "ChannelIdentity") return yield* channelIdentity(m, g, cls.senderChatId)
      const first = yield* evaluate(g, m.from, "message", startedAt)
      const base = { groupId: g.chatId, userId: m.from.id, trigger: "message" as const, startedAt }
      if (first._tag === "Exempt") return yield* decisions.record({ ...base, decision: "exempt", reason: first.reason })
      const request = {
        group: g, user: m.from, trigger: "message" as const, template: "prompt.message" as const,
        checked: first.channels.map((c) => c.chatId), startedAt, messageId: m.messageId, threadId: m.threadId
      }
      if (first._tag === "Pending") {
        if (g.settings.dryRun) return yield* decisions.record({ ...base, decision: "dry_run", reason: "would_restrict", channelIds: request.checked, cached: true })
        const done = yield* restrictor.restrict({ ...request, missing: first.channels, cached: true, onlyIfPending: true })
        if (done !== "no_record") return
      }
      const outcome = first._tag === "Checked" ? first : yield* membershipOf(g, m.from, startedAt)
      const { checks, decision } = outcome
      const channelIds = checks.map((c) => c.channelId)
      if (decision._tag === "Pass") return yield* decisions.record({ ...base, decision: "pass", channelIds, cached: outcome.cached })
      if (decision._tag === "Deferred") return yield* decisions.record({ ...base, decision: "deferred", reason: "check_error", channelIds, missingChannelIds: decision.unknown, cached: outcome.cached })
      if (g.settings.dryRun) {
        return yield* decisions.record({ ...base, decision: "dry_run", reason: "would_restrict", channelIds, missingChannelIds: decision.missing.map((c) => c.chatId), cached: outcome.cached })
      }
      yield* restrictor.restrict({ ...request, missing: decision.missing, cached: outcome.cached })
    })

    /** BOT-32: a member who passes is greeted with `welcome_text` when the group set one, gone after prompt_ttl_seconds. */
    const welcome = (g: GroupSnapshot, j: JoinInput) =>
      Effect.gen(function* () {
        if (g.settings.welcomeText === null || g.settings.dryRun) return
        const sent = yield* telegram.sendMessage({
          chat_id: g.chatId, parse_mode: "HTML", link_preview_options: { is_disabled: true },
          text: groupText("join.welcome", { groupTitle: g.title, user: j.user }, [], g.settings.language, g.settings.welcomeText)
        }, { priority: 2, kind: "send" })
        yield* jobs.scheduleAutoDelete(g.chatId, [sent.message_id], Duration.seconds(g.settings.promptTtlSeconds), promptDeleteKind)
      }).pipe(Effect.catchAll((e) => Effect.logWarning(`the welcome message failed: ${e._tag}`)))

    const approvedRecently = (groupId: ChatId, userId: UserId, now: number) =>
      joinRequests.approvedByBotSince(groupId, userId, new Date(now - Duration.toMillis(approvalTrust))).pipe(
        Effect.catchAll((e) => Effect.as(Effect.logWarning(`could not look up the join request: ${e._tag}`), false))
      )

    /** BOT-30 to BOT-32: each join handled once, whichever of chat_member and new_chat_members comes first. */
    const onJoin = Effect.fn("Enforcement.onJoin")(function* (j: JoinInput) {
      // CACHE-5: a join as an administrator changes the group's admin list whatever the group's state — a group
      // not protected yet is where a new admin's first /protect must not be refused from a stale list.
      if (j.newMember?.status === "administrator" || j.newMember?.status === "creator") yield* admins.invalidate(j.groupId)
      const snapshot = yield* directory.get(j.groupId)
      if (Option.isNone(snapshot)) return
      const g = snapshot.value
      const presence = Effect.zipRight(
        members.rememberUser({ userId: j.user.id, firstName: j.user.firstName, lastName: j.user.lastName, username: j.user.username, isBot: j.user.isBot, languageCode: j.user.languageCode }).pipe(Effect.ignore),
        members.setPresence(g.chatId, j.user.id, (j.newMember?.status ?? "member"), true).pipe(Effect.ignore)
      )
      // As for messages (`track`): the member's rows after the decision, both before the update counts as handled.
      return yield* directory.isEnforced(g) ? Effect.zipRight(decideJoin(j, g), presence) : presence
    })

    const decideJoin = (j: JoinInput, g: GroupSnapshot) => Effect.gen(function* () {
      const first = yield* store.setIfAbsent(`join:${g.chatId}:${j.user.id}`, "1", Duration.seconds(120)).pipe(Effect.orElseSucceed(() => true))
      if (!first) return
      const startedAt = yield* Clock.currentTimeMillis
      const base = { groupId: g.chatId, userId: j.user.id, trigger: "join" as const, startedAt }
      const status = j.newMember?.status
      if (status === "administrator" || status === "creator") return yield* decisions.record({ ...base, decision: "exempt", reason: "admin" })
      if (j.user.isBot) return yield* decisions.record({ ...base, decision: "exempt", reason: "bot" })
      // BOT-31: the first message is checked instead; the exemption is a decision like any (BOT-51).
      if (!g.settings.verifyOnJoin) return yield* decisions.record({ ...base, decision: "exempt", reason: "verify_on_join_off" })
      if (g.settings.trustAdminAdded && j.inviterId !== null && j.inviterId !== j.user.id &&
        (yield* admins.isAdmin(g.chatId, j.inviterId as UserId).pipe(Effect.orElseSucceed(() => false)))) {
        return yield* decisions.record({ ...base, decision: "exempt", reason: "admin_added" })
      }
      // BOT-31: the bot approved this very request minutes ago, after checking every channel; greet, don't re-check.
      if (j.viaJoinRequest && (yield* approvedRecently(g.chatId, j.user.id, startedAt))) {
        yield* decisions.record({ ...base, decision: "exempt", reason: "join_request" })
        return yield* welcome(g, j)
      }
      const outcome = yield* evaluate(g, j.user, "join", startedAt)
      if (outcome._tag === "Exempt") return yield* decisions.record({ ...base, decision: "exempt", reason: outcome.reason })
      if (outcome._tag !== "Checked") return
      const { checks, decision } = outcome
      const channelIds = checks.map((c) => c.channelId)
      if (decision._tag === "Pass") {
        yield* decisions.record({ ...base, decision: "pass", channelIds, cached: outcome.cached })
        return yield* welcome(g, j)
      }
      if (decision._tag === "Deferred") return yield* decisions.record({ ...base, decision: "deferred", reason: "check_error", channelIds, cached: outcome.cached })
      if (g.settings.dryRun) return yield* decisions.record({ ...base, decision: "dry_run", reason: "would_restrict", channelIds, missingChannelIds: decision.missing.map((c) => c.chatId) })
      yield* restrictor.restrict({
        group: g, user: j.user, trigger: "join", template: "prompt.join", missing: decision.missing, checked: channelIds,
        cached: outcome.cached, startedAt, ...(j.newMember ? { knownMember: j.newMember } : {})
      })
    })

    return { onMessage, onJoin } as const
  })
}) {}
