import { MemberRepo, RestrictionRepo, WhitelistRepo } from "@nezuko/db"
import type { ChatId } from "@nezuko/domain"
import { Clock, Effect, Option } from "effect"
import type { ChatMember } from "grammy/types"
import { ChatAdmins } from "./ChatAdmins.js"
import { Decisions } from "./Decisions.js"
import { GroupDirectory } from "./GroupDirectory.js"
import type { Sender } from "./Inputs.js"
import { Jobs } from "./Jobs.js"
import { timeoutDedupeKey } from "./TimeoutRules.js"
import { UserFlags } from "./UserFlags.js"
import { Verification } from "./Verification.js"

export interface GroupMemberChange {
  readonly groupId: ChatId
  readonly user: Sender
  /** Who made the change; the bot's own changes are not "external". */
  readonly byBot: boolean
  readonly oldMember: ChatMember
  readonly newMember: ChatMember
}

/**
 * Changes to a group member made by someone else (BOT-33, BOT-39): an admin's later decision wins over the
 * bot's, and a pending user who leaves closes their record. Also keeps presence (BOT-49) and the admin cache
 * (CACHE-5) current.
 */
export class MemberChanges extends Effect.Service<MemberChanges>()("@nezuko/core/MemberChanges", {
  effect: Effect.gen(function* () {
    const restrictions = yield* RestrictionRepo
    const members = yield* MemberRepo
    const whitelist = yield* WhitelistRepo
    const directory = yield* GroupDirectory
    const admins = yield* ChatAdmins
    const decisions = yield* Decisions
    const verification = yield* Verification
    const flags = yield* UserFlags
    const jobs = yield* Jobs

    const isAdminStatus = (m: ChatMember) => m.status === "creator" || m.status === "administrator"

    const onChange = Effect.fn("MemberChanges.onChange")(function* (c: GroupMemberChange) {
      if (isAdminStatus(c.oldMember) !== isAdminStatus(c.newMember)) yield* admins.invalidate(c.groupId)
      const userId = c.user.id
      // BOT-49: both rows from every group chat_member update, names included (they drive @username look-ups).
      yield* members.rememberUser({ userId, firstName: c.user.firstName, lastName: c.user.lastName, username: c.user.username, isBot: c.user.isBot, languageCode: c.user.languageCode }).pipe(Effect.ignore)
      yield* members.setPresence(c.groupId, userId, c.newMember.status === "restricted" && !c.newMember.is_member ? "left" : c.newMember.status, false).pipe(Effect.ignore)
      const pending = yield* restrictions.findPending(c.groupId, userId)
      if (Option.isNone(pending)) return
      const record = pending.value
      const gone = c.newMember.status === "left" || (c.newMember.status === "restricted" && !c.newMember.is_member)
      const closeWith = (state: "left_group" | "overridden" | "superseded", by: string) =>
        Effect.gen(function* () {
          if (!(yield* restrictions.close(record.id, state, by))) return false
          // The deadline has nothing left to do (it would find the record closed); no job left behind.
          yield* Effect.ignore(jobs.cancel(timeoutDedupeKey(record.id)))
          yield* verification.deletePromptOf(record)
          return true
        })
      if (gone) return void (yield* closeWith("left_group", "left"))
      if (c.byBot) return
      const now = yield* Clock.currentTimeMillis
      const lifted = c.newMember.status === "member" || (c.newMember.status === "restricted" && c.newMember.can_send_messages)
      if (lifted) {
        if (!(yield* closeWith("overridden", "admin"))) return
        const snapshot = yield* directory.get(c.groupId)
        const hours = Option.match(snapshot, { onNone: () => 24, onSome: (g) => g.settings.adminOverrideHours })
        yield* flags.forget(c.groupId, userId)
        if (hours > 0) {
          yield* whitelist.add({ groupId: c.groupId, userId, expiresAt: new Date(now + hours * 3_600_000), reason: "admin_override" })
        }
        return yield* decisions.record({ groupId: c.groupId, userId, trigger: "manual", decision: "release", reason: "admin_override" })
      }
      if (c.newMember.status === "restricted" || c.newMember.status === "kicked") yield* closeWith("superseded", "admin")
    })

    return { onChange } as const
  })
}) {}
