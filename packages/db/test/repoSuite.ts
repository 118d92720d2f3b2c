import { layer } from "@effect/vitest"
import { SqlClient } from "@effect/sql"
import { AuditEntry, ChannelId, ChatId, defaultSettings, SettingsValues, UserId, VerificationDecision } from "@nezuko/domain"
import { Effect, Layer, Option, Schema } from "effect"
import { expect } from "vitest"
import {
  AuditRepo, ChannelRepo, GroupRepo, JoinRequestRepo, MemberRepo, migrate, migrationStatus, RestrictionRepo, SettingsRepo, VerificationLogRepo,
  WhitelistRepo
} from "../src/index.js"

const Repos = Layer.mergeAll(
  GroupRepo.Default, ChannelRepo.Default, SettingsRepo.Default, AuditRepo.Default, VerificationLogRepo.Default,
  RestrictionRepo.Default, MemberRepo.Default, WhitelistRepo.Default, JoinRequestRepo.Default
)

const group = ChatId.make(-1001234567890)
const channel = (n: number) => ChannelId.make(-1002000000000 - n)

/** The same repository tests run on PGlite (unit) and on the real PostgreSQL 15 (integration). */
export const repositorySuite = (name: string, database: Layer.Layer<SqlClient.SqlClient, unknown>) =>
  layer(Repos.pipe(Layer.provideMerge(database)), { timeout: "60 seconds" })(name, (it) => {
    it.effect("migrations are all applied, and running them again is a no-op", () =>
      Effect.gen(function* () {
        const status = yield* migrationStatus
        expect(status.length).toBeGreaterThanOrEqual(7)
        expect(status.every((m) => m.appliedAt !== null)).toBe(true)
        expect(yield* migrate).toEqual([])
      }))

    it.effect("groups: upsert keeps known metadata and bigint ids come back as numbers", () =>
      Effect.gen(function* () {
        const repo = yield* GroupRepo
        yield* repo.upsert({ chatId: group, type: "supergroup", title: "G", username: "g_chat", linkedChatId: null })
        const row = yield* repo.upsert({ chatId: group, type: "supergroup", title: "G2", username: null, linkedChatId: null })
        expect(row.chatId).toBe(group)
        expect(row.title).toBe("G2")
        expect(row.username).toBe("g_chat")
        expect(row.enabled).toBe(false)
        const enabled = yield* repo.setEnabled(group, true, UserId.make(42))
        expect(Option.map(enabled, (g) => [g.enabled, g.protectedBy])).toEqual(Option.some([true, 42]))
        expect(yield* repo.countProtected).toBe(1)
        expect(yield* repo.setEnabled(ChatId.make(-1), true)).toEqual(Option.none())
      }))

    it.effect("channels: links keep their order and a sixth link is a Conflict", () =>
      Effect.gen(function* () {
        const repo = yield* ChannelRepo
        for (let n = 1; n <= 6; n++) {
          yield* repo.upsert({ chatId: channel(n), title: `C${n}`, username: n === 1 ? "chan_one" : null, inviteLink: null, inviteLinkByBot: false })
        }
        for (let n = 1; n <= 5; n++) yield* repo.link(group, channel(n), { tg: UserId.make(42) })
        const sixth = yield* Effect.flip(repo.link(group, channel(6), {}))
        expect(sixth._tag).toBe("Conflict")
        const linked = yield* repo.linkedTo(group)
        expect(linked.map((c) => c.title)).toEqual(["C1", "C2", "C3", "C4", "C5"])
        expect(Option.map(yield* repo.findByUsername("CHAN_ONE"), (c) => c.chatId)).toEqual(Option.some(channel(1)))
        expect(yield* repo.unlink(group, channel(5))).toBe(true)
        expect(yield* repo.unlink(group, channel(5))).toBe(false)
      }))

    it.effect("settings: created from defaults, validated by CHECKs, and a stale save is a Conflict", () =>
      Effect.gen(function* () {
        const repo = yield* SettingsRepo
        const created = yield* repo.ensure(group)
        expect(created.muteHours).toBe(24)
        const saved = yield* repo.update(group, { ...created, timeoutAction: "kick" }, { tg: 42 }, created.updatedAt)
        expect(saved.timeoutAction).toBe("kick")
        const stale = yield* Effect.flip(repo.update(group, { ...created, dryRun: true }, { tg: 42 }, created.updatedAt))
        expect(stale._tag).toBe("Conflict")
        const outOfRange = yield* Effect.exit(repo.update(group, { ...created, muteHours: 0 }, {}))
        expect(outOfRange._tag).toBe("Failure")
        const sql = yield* SqlClient.SqlClient
        const pastCheck = yield* Effect.exit(sql`UPDATE group_settings SET mute_hours = 9000`)
        expect(pastCheck._tag).toBe("Failure")
      }))

    it.effect("settings: a new group takes the panel's defaults.group_settings when stored (BOT-15), the built-in ones otherwise", () =>
      Effect.gen(function* () {
        const repo = yield* SettingsRepo
        const sql = yield* SqlClient.SqlClient
        const [a, b] = [ChatId.make(-1001234567001), ChatId.make(-1001234567002)]
        yield* sql`INSERT INTO groups (chat_id, type, title) VALUES (${a}, 'supergroup', 'A'), (${b}, 'supergroup', 'B')`
        const stored = Schema.encodeSync(SettingsValues)({ ...defaultSettings, muteHours: 6, timeoutAction: "ban" })
        yield* sql`INSERT INTO app_settings (key, value) VALUES ('defaults.group_settings', ${JSON.stringify(stored)}::jsonb)`
        expect(yield* repo.ensure(a)).toMatchObject({ muteHours: 6, timeoutAction: "ban" })
        // A stored value that no longer decodes does not block protection: the built-in defaults apply.
        yield* sql`UPDATE app_settings SET value = '{"mute_hours": "many"}'::jsonb WHERE key = 'defaults.group_settings'`
        expect(yield* repo.ensure(b)).toMatchObject({ muteHours: 24, timeoutAction: defaultSettings.timeoutAction })
        yield* sql`DELETE FROM app_settings WHERE key = 'defaults.group_settings'`
      }))

    it.effect("audit log: rows are written, filtered, and cannot be altered", () =>
      Effect.gen(function* () {
        const audit = yield* AuditRepo
        const sql = yield* SqlClient.SqlClient
        const entry = (action: string) =>
          new AuditEntry({
            actorType: "telegram_user", actorAdminId: null, actorTgId: 42, action, resourceType: "group",
            resourceId: String(group), outcome: "success", oldValue: { channels: [] }, newValue: { channels: [1] },
            ip: "127.0.0.1", clientUa: null, requestId: "upd-1"
          })
        yield* audit.record(entry("bot.protect"))
        yield* audit.record(entry("auth.login"))
        const rows = yield* audit.list({ actionPrefix: "bot.", limit: 10, offset: 0 })
        expect(rows.map((r) => [r.action, r.newValue, r.ip])).toEqual([["bot.protect", { channels: [1] }, "127.0.0.1"]])
        const tamper = yield* Effect.exit(sql`UPDATE audit_log SET action = 'x'`)
        expect(tamper._tag).toBe("Failure")
        const erase = yield* Effect.exit(sql`DELETE FROM audit_log`)
        expect(erase._tag).toBe("Failure")
      }))

    it.effect("verification log: batched rows land in the partitioned table", () =>
      Effect.gen(function* () {
        const log = yield* VerificationLogRepo
        const at = new Date()
        const row = (decision: "pass" | "restrict") =>
          new VerificationDecision({
            at, groupId: group, userId: UserId.make(7), senderChatId: null, trigger: "message", decision,
            reason: null, channelIds: [channel(1)], missingChannelIds: decision === "restrict" ? [channel(1)] : [],
            cached: false, latencyMs: 3, errorCode: null, correlationId: "upd-9", instanceId: "test"
          })
        yield* log.insertMany([row("pass"), row("pass"), row("restrict")])
        expect(yield* log.countByDecision(new Date(at.getTime() - 1000))).toEqual({ pass: 2, restrict: 1 })
        const sql = yield* SqlClient.SqlClient
        const stored = yield* sql<{ readonly missingChannelIds: ReadonlyArray<number> }>`
          SELECT missing_channel_ids FROM verification_log WHERE decision = 'restrict'`
        expect(stored[0]?.missingChannelIds).toEqual([channel(1)])
        // The writer's backlog after an outage: more rows than one statement's 65 535 parameters can carry.
        const backlog = Array.from({ length: 6_000 }, () => row("pass"))
        yield* log.insertMany(backlog)
        expect(yield* log.countByDecision(new Date(at.getTime() - 1000))).toEqual({ pass: 6_002, restrict: 1 })
      }))
  
    it.effect("restrictions: one pending record per user; closing is first-wins", () =>
      Effect.gen(function* () {
        const repo = yield* RestrictionRepo
        const user = UserId.make(501)
        const row = { groupId: group, userId: user, trigger: "message" as const, owner: "bot" as const,
          missingChannelIds: [channel(1)], priorMember: { status: "member" }, deadlineAt: new Date(Date.now() + 600_000) }
        const first = Option.getOrThrow(yield* repo.insertPending(row))
        expect(first.missingChannelIds).toEqual([channel(1)])
        expect(yield* repo.insertPending(row)).toEqual(Option.none())
        yield* repo.update(first.id, { restrictedUntil: new Date("2030-01-01T00:00:00Z"), promptMessageId: 77 })
        const pending = Option.getOrThrow(yield* repo.findPending(group, user))
        expect([pending.promptMessageId, pending.restrictedUntil?.toISOString(), pending.priorMember]).toEqual([77, "2030-01-01T00:00:00.000Z", { status: "member" }])
        expect((yield* repo.pendingInGroup(group)).map((r) => r.userId)).toEqual([user])
        expect(yield* repo.close(first.id, "kicked", "timeout")).toBe(true)
        expect(yield* repo.close(first.id, "verified", "button")).toBe(false)
        expect(yield* repo.countKickedSince(group, user, new Date(Date.now() - 86_400_000))).toBe(1)
        expect(Option.isSome(yield* repo.insertPending(row))).toBe(true)
      }))

    it.effect("join requests: one pending record per user; only the bot's own recent approval counts (BOT-31)", () =>
      Effect.gen(function* () {
        const repo = yield* JoinRequestRepo
        const [bot, admin, early] = [UserId.make(701), UserId.make(702), UserId.make(703)]
        const open = (userId: UserId) =>
          Effect.map(repo.insertPending({ groupId: group, userId, userChatId: userId, requestedAt: new Date() }), Option.getOrThrow)
        const first = yield* open(bot)
        expect(yield* repo.insertPending({ groupId: group, userId: bot, userChatId: bot, requestedAt: new Date() })).toEqual(Option.none())
        const hourAgo = new Date(Date.now() - 3_600_000)
        expect(yield* repo.approvedByBotSince(group, bot, hourAgo)).toBe(false)
        expect(yield* repo.close(first.id, "approved", "bot")).toBe(true)
        expect(yield* repo.close(first.id, "declined", "timeout")).toBe(false)
        expect(yield* repo.approvedByBotSince(group, bot, hourAgo)).toBe(true)
        expect(yield* repo.approvedByBotSince(group, bot, new Date(Date.now() + 60_000))).toBe(false)
        expect(yield* repo.approvedByBotSince(ChatId.make(-100999), bot, hourAgo)).toBe(false)
        yield* repo.close((yield* open(admin)).id, "approved", "external")
        expect(yield* repo.approvedByBotSince(group, admin, hourAgo)).toBe(false)
        yield* repo.close((yield* open(early)).id, "declined", "timeout")
        expect(yield* repo.approvedByBotSince(group, early, hourAgo)).toBe(false)
      }))

    it.effect("members and whitelist: presence drives leave targeting; expired entries do not count", () =>
      Effect.gen(function* () {
        const members = yield* MemberRepo
        const whitelist = yield* WhitelistRepo
        const user = UserId.make(601)
        yield* members.rememberUser({ userId: user, firstName: "Erin", lastName: null, username: "Erin_Demo", isBot: false, languageCode: "en" })
        yield* members.setPresence(group, user, "member", true)
        expect(yield* members.presentIn(user, [group, ChatId.make(-100999)])).toEqual([group])
        yield* members.setPresence(group, user, "left", false)
        expect(yield* members.presentIn(user, [group])).toEqual([])
        expect(yield* members.findByUsername("@erin_demo")).toBe(user)
        yield* whitelist.add({ groupId: group, userId: user, expiresAt: new Date(Date.now() - 1000), reason: "admin_override" })
        expect(yield* whitelist.isWhitelisted(group, user)).toBe(false)
        yield* whitelist.add({ groupId: null, userId: user, expiresAt: null, reason: "global" })
        expect(yield* whitelist.isWhitelisted(group, user)).toBe(true)
        expect(yield* whitelist.remove(null, user)).toBe(true)
        expect(yield* whitelist.isWhitelisted(group, user)).toBe(false)
      }))
  })
