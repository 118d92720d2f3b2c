import { SqlClient } from "@effect/sql"
import { AuditRepo, MemberRepo, RestrictionRepo, WhitelistRepo } from "@nezuko/db"
import { AuditEntry, ChatId, UserId } from "@nezuko/domain"
import { Clock, Effect, Option, Schema } from "effect"
import { GroupDirectory } from "./GroupDirectory.js"
import { Jobs } from "./Jobs.js"
import type { Priority } from "./RateLimiter.js"
import { escapeHtml, text } from "./Texts.js"
import { UserFlags } from "./UserFlags.js"
import { Verification } from "./Verification.js"

/** Who a `/whitelist` or `/release` is about: the replied-to message's sender, a numeric id, or an @username. */
export type UserRef =
  | { readonly _tag: "Id"; readonly id: UserId }
  | { readonly _tag: "Username"; readonly username: string }

/** Reads a command argument as a user reference; None when it is neither an id nor an @username. */
export const parseUserRef = (arg: string): Option.Option<UserRef> => {
  if (/^\d{1,16}$/.test(arg)) {
    const id = Number(arg)
    return Number.isSafeInteger(id) && id > 0 ? Option.some({ _tag: "Id", id: UserId.make(id) }) : Option.none()
  }
  const name = arg.replace(/^@/, "")
  return /^[A-Za-z][A-Za-z0-9_]{3,31}$/.test(name) ? Option.some({ _tag: "Username", username: name }) : Option.none()
}

/** BOT-20's `/release all` runs as a job at P2 (OPS-16). */
export const releaseAllKind = "release_all"
export const ReleaseAllPayload = Schema.Struct({ group_id: ChatId, actor: UserId })
export type ReleaseAllPayload = typeof ReleaseAllPayload.Type

const whitelistListLimit = 50

/**
 * `/whitelist` and `/release` (BOT-19, BOT-20): manual exemptions by a group's admins. A release restores per
 * BOT-36, closes the record as `released` and exempts the user for `admin_override_hours`; a permanent
 * whitelist entry releases a pending user the same way. Every change is audited. Each method returns the reply.
 */
export class AdminReleases extends Effect.Service<AdminReleases>()("@nezuko/core/AdminReleases", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const restrictions = yield* RestrictionRepo
    const whitelist = yield* WhitelistRepo
    const members = yield* MemberRepo
    const audit = yield* AuditRepo
    const directory = yield* GroupDirectory
    const verification = yield* Verification
    const jobs = yield* Jobs
    const flags = yield* UserFlags

    const record = (actor: UserId, action: string, groupId: ChatId, oldValue: unknown, newValue: unknown) =>
      audit.record(AuditEntry.byTelegramUser(actor, action, groupId, oldValue, newValue))

    const resolve = Effect.fn("AdminReleases.resolve")(function* (ref: UserRef) {
      if (ref._tag === "Id") return Option.some(ref.id)
      return Option.fromNullable(yield* members.findByUsername(ref.username))
    })

    const nameOf = (userId: UserId) =>
      Effect.map(members.findUser(userId), Option.match({
        onNone: () => String(userId),
        onSome: (u) => `${escapeHtml(u.firstName)}${u.username ? ` (@${escapeHtml(u.username)})` : ""}`
      })).pipe(Effect.orElseSucceed(() => String(userId)))

    const overrideHours = (groupId: ChatId) =>
      Effect.map(directory.get(groupId), Option.match({ onNone: () => 24, onSome: (g) => g.settings.adminOverrideHours }))

    const utcMinute = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ")

    /** BOT-20 for one user: restore, close as released, exempt for admin_override_hours. */
    const releaseOne = (groupId: ChatId, userId: UserId, actor: UserId, priority: Priority) =>
      Effect.gen(function* () {
        const pending = yield* restrictions.findPending(groupId, userId)
        const released = Option.isSome(pending) ? yield* verification.releaseRecord(pending.value, `tg:${actor}`, "manual", priority) : false
        const hours = yield* overrideHours(groupId)
        const now = yield* Clock.currentTimeMillis
        const expiresAt = hours > 0 ? new Date(now + hours * 3_600_000) : null
        if (expiresAt !== null) {
          yield* whitelist.add({ groupId, userId, expiresAt, reason: "release", byTg: actor })
        }
        yield* flags.forget(groupId, userId)
        return { released, expiresAt }
      })

    /** BOT-20 by an admin, audited: whether a pending record was released, and until when they are exempt. */
    const releaseUser = Effect.fn("AdminReleases.releaseUser")(function* (groupId: ChatId, actor: UserId, userId: UserId) {
      const outcome = yield* releaseOne(groupId, userId, actor, 0)
      yield* record(actor, "bot.release", groupId, null, { userId, released: outcome.released, exemptUntil: outcome.expiresAt?.toISOString() ?? null })
      return outcome
    })

    const release = Effect.fn("AdminReleases.release")(function* (groupId: ChatId, actor: UserId, userId: UserId) {
      const { expiresAt, released } = yield* releaseUser(groupId, actor, userId)
      // `nameOf` is already HTML.
      const head = text(released ? "release.ok" : "release.nothing_pending", { name: yield* nameOf(userId) }, { markup: ["name"] })
      return expiresAt === null ? head : `${head} ${text("release.exempt_until", { until: utcMinute(expiresAt) })}`
    })

    /** `/release all`: counts the pending users and hands the work to a `release_all` job (P2). */
    const releaseAll = Effect.fn("AdminReleases.releaseAll")(function* (groupId: ChatId, actor: UserId) {
      const pending = yield* restrictions.pendingInGroup(groupId)
      if (pending.length === 0) return text("release.none_pending")
      const payload: ReleaseAllPayload = { group_id: groupId, actor }
      yield* jobs.schedule(releaseAllKind, new Date(yield* Clock.currentTimeMillis), payload, `${releaseAllKind}:${groupId}`)
      yield* record(actor, "bot.release", groupId, null, { all: true, pending: pending.length })
      return text(pending.length === 1 ? "release.all.one" : "release.all.other", { count: pending.length })
    })

    /** The `release_all` job: every pending user of the group, at P2. */
    const runReleaseAll = Effect.fn("AdminReleases.runReleaseAll")(function* (payload: ReleaseAllPayload) {
      const pending = yield* restrictions.pendingInGroup(payload.group_id)
      let released = 0
      for (const r of pending) {
        if ((yield* releaseOne(payload.group_id, r.userId, payload.actor, 2)).released) released++
      }
      return { released }
    })

    const list = Effect.fn("AdminReleases.list")(function* (groupId: ChatId) {
      const entries = yield* whitelist.list(groupId, whitelistListLimit)
      if (entries.length === 0) return text("whitelist.empty")
      const lines = yield* Effect.forEach(entries, (e) =>
        Effect.map(nameOf(UserId.make(e.userId)), (name) =>
          text("whitelist.entry", {
            name,
            id: e.userId,
            scope: e.groupId === null ? text("whitelist.entry.all_groups") : "",
            until: e.expiresAt === null ? "" : text("whitelist.entry.until", { until: utcMinute(e.expiresAt) })
          }, { markup: ["name", "scope", "until"] })))
      const header = entries.length === whitelistListLimit
        ? text("whitelist.header_capped", { count: entries.length, limit: whitelistListLimit })
        : text("whitelist.header", { count: entries.length })
      return [header, ...lines].join("\n")
    })

    /** BOT-19: a permanent entry for this group; a pending user is released at once. */
    const add = Effect.fn("AdminReleases.add")(function* (groupId: ChatId, actor: UserId, userId: UserId) {
      const before = yield* whitelist.isWhitelisted(groupId, userId)
      yield* whitelist.add({ groupId, userId, expiresAt: null, reason: "whitelist", byTg: actor })
      const pending = yield* restrictions.findPending(groupId, userId)
      const released = Option.isSome(pending) ? yield* verification.releaseRecord(pending.value, `tg:${actor}`, "whitelist", 0) : false
      yield* flags.forget(groupId, userId)
      yield* record(actor, "bot.whitelist", groupId, { userId, whitelisted: before }, { userId, whitelisted: true, released })
      return text(released ? "whitelist.added_released" : "whitelist.added", { name: yield* nameOf(userId) }, { markup: ["name"] })
    })

    const remove = Effect.fn("AdminReleases.remove")(function* (groupId: ChatId, actor: UserId, userId: UserId) {
      const removed = yield* whitelist.remove(groupId, userId)
      yield* flags.forget(groupId, userId)
      const name = yield* nameOf(userId)
      if (!removed) return text("whitelist.not_listed", { name }, { markup: ["name"] })
      yield* record(actor, "bot.whitelist", groupId, { userId, whitelisted: true }, { userId, whitelisted: false })
      return text("whitelist.removed", { name }, { markup: ["name"] })
    })

    return { resolve, release, releaseUser, releaseAll, runReleaseAll, list, add, remove } as const
  })
}) {}
