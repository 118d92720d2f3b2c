import { SqlClient } from "@effect/sql"
import { dbCall, RestrictionRepo } from "@nezuko/db"
import { callbackData, type ChatId, UserId } from "@nezuko/domain"
import { Clock, Duration, Effect, Option } from "effect"
import { ChatAdmins } from "./ChatAdmins.js"
import { decide, verifiable } from "./Decide.js"
import { Decisions } from "./Decisions.js"
import { GroupDirectory, type LinkedChannel } from "./GroupDirectory.js"
import { Jobs, schedulePromptDelete } from "./Jobs.js"
import { Membership } from "./Membership.js"
import { promptKeyboard } from "./Prompts.js"
import { Restrictor } from "./Restrictor.js"
import { TelegramApi } from "./TelegramApi.js"
import { channelLabel, mention, text } from "./Texts.js"

/** BOT-48's job kind; payload `{ group_id }`, one scan per group at a time (the dedupe key). */
export const batchScanKind = "batch_scan"
export const batchScanDedupeKey = (groupId: number) => `${batchScanKind}:${groupId}`

/** Where a scan stands; stored in the job's `result` after every page so a retried job resumes there. */
export interface BatchScanProgress {
  readonly cursor: number
  readonly checked: number
  readonly not_subscribed: number
  readonly errors: number
  readonly started_at: number
}

export interface BatchScanResult extends BatchScanProgress {
  readonly mode: "warm" | "restrict" | "skipped"
  readonly duration_ms: number
}

const pageSize = 100
const perCheck = Duration.millis(200) // at most 5 checks a second
const recentFor = Duration.days(30)
const perPrompt = 10

interface Candidate {
  readonly userId: number
  readonly firstName: string | null
  readonly lastName: string | null
  readonly username: string | null
  readonly languageCode: string | null
}

/**
 * BOT-48: checks the group's recently seen members (`group_members` present in the last 30 days, minus admins,
 * bots, the whitelisted and those already pending) in pages of 100 at P2, at most 5 checks a second. Every
 * check refreshes the membership cache and writes a decision (trigger `batch`). `batch_mode = warm` changes
 * nobody; `restrict` mutes silently and sends one combined `nz:vp` prompt per 10 muted users.
 */
export class BatchScan extends Effect.Service<BatchScan>()("@nezuko/core/BatchScan", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const directory = yield* GroupDirectory
    const admins = yield* ChatAdmins
    const membership = yield* Membership
    const decisions = yield* Decisions
    const restrictor = yield* Restrictor
    const restrictions = yield* RestrictionRepo
    const telegram = yield* TelegramApi
    const jobs = yield* Jobs

    /** Starts a scan now unless one is queued or running for the group (protection on, a channel linked). */
    const start = (groupId: ChatId) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        jobs.schedule(batchScanKind, new Date(now), { group_id: Number(groupId) }, batchScanDedupeKey(Number(groupId))))

    const page = (groupId: ChatId, after: number, since: Date) =>
      dbCall(sql<Candidate>`
        SELECT gm.user_id, tu.first_name, tu.last_name, tu.username, tu.language_code
        FROM group_members gm LEFT JOIN tg_users tu ON tu.user_id = gm.user_id
        WHERE gm.group_id = ${groupId} AND gm.user_id > ${after} AND gm.last_seen_at >= ${since}
          AND gm.status IN ('member', 'restricted') AND NOT gm.is_admin AND NOT coalesce(tu.is_bot, false)
          AND NOT EXISTS (SELECT 1 FROM whitelist w WHERE w.user_id = gm.user_id AND (w.group_id = gm.group_id OR w.group_id IS NULL)
                          AND (w.expires_at IS NULL OR w.expires_at > now()))
          AND NOT EXISTS (SELECT 1 FROM restrictions r WHERE r.group_id = gm.group_id AND r.user_id = gm.user_id AND r.state = 'pending')
        ORDER BY gm.user_id
        LIMIT ${pageSize}`)

    const saveProgress = (jobId: number, progress: BatchScanProgress) =>
      dbCall(Effect.asVoid(sql`UPDATE scheduled_jobs SET result = ${JSON.stringify(progress)}::jsonb, updated_at = now() WHERE id = ${jobId}`))

    const loadProgress = (jobId: number) =>
      dbCall(Effect.map(
        sql<{ readonly result: unknown }>`SELECT result FROM scheduled_jobs WHERE id = ${jobId}`,
        (rows) => {
          const r = rows[0]?.result
          const parsed: unknown = typeof r === "string" ? JSON.parse(r) : r
          return typeof parsed === "object" && parsed !== null && "cursor" in parsed && typeof parsed.cursor === "number"
            ? Option.some(parsed as BatchScanProgress)
            : Option.none<BatchScanProgress>()
        }
      ))

    /** One combined prompt for up to 10 silently muted users; each record keeps the prompt's id. */
    const prompt = (groupId: ChatId, title: string, language: string, settings: Parameters<typeof promptKeyboard>[2], muted: ReadonlyArray<{ readonly user: Candidate; readonly missing: ReadonlyArray<LinkedChannel> }>) =>
      Effect.gen(function* () {
        const channels = new Map<number, LinkedChannel>()
        for (const m of muted) for (const c of m.missing) channels.set(Number(c.chatId), c)
        const missing = [...channels.values()]
        const html = text("prompt.combined", {
          mention: muted.map((m) => mention(m.user.userId, m.user.firstName ?? "member")).join(", "),
          group: title,
          channels: missing.map(channelLabel).join(", ")
        }, { language })
        const sent = yield* telegram.sendMessage({
          chat_id: groupId, text: html, parse_mode: "HTML", link_preview_options: { is_disabled: true },
          reply_markup: { inline_keyboard: promptKeyboard(missing, callbackData.verifyPresser, settings) }
        }, { priority: 2, kind: "send" })
        // BOT-29: gone after prompt_ttl_seconds like any prompt, whoever has verified by then.
        yield* schedulePromptDelete(jobs, { groupId, messageId: sent.message_id, ttlSeconds: settings.promptTtlSeconds })
        for (const m of muted) {
          const record = yield* restrictions.findPending(groupId, UserId.make(m.user.userId))
          if (Option.isSome(record)) yield* restrictions.update(record.value.id, { promptMessageId: sent.message_id })
        }
      })

    const scan = Effect.fn("BatchScan.scan")(function* (groupId: ChatId, jobId: number) {
      const now = yield* Clock.currentTimeMillis
      const snapshot = yield* directory.get(groupId)
      const resumed = yield* loadProgress(jobId)
      let progress: BatchScanProgress = Option.getOrElse(resumed, () => ({ cursor: 0, checked: 0, not_subscribed: 0, errors: 0, started_at: now }))
      const finish = (mode: BatchScanResult["mode"]) =>
        Effect.map(Clock.currentTimeMillis, (end): BatchScanResult => ({ ...progress, mode, duration_ms: end - progress.started_at }))
      if (Option.isNone(snapshot) || !directory.isEnforced(snapshot.value)) return yield* finish("skipped")
      const g = snapshot.value
      const channels = verifiable(g.channels)
      if (channels.length === 0) return yield* finish("skipped")
      const mode = g.settings.batchMode
      const adminIds = new Set((yield* admins.list(groupId).pipe(Effect.orElseSucceed(() => []))).map((a) => a.userId))
      const since = new Date(now - Duration.toMillis(recentFor))
      for (;;) {
        const candidates = yield* page(groupId, progress.cursor, since)
        if (candidates.length === 0) break
        const muted: Array<{ readonly user: Candidate; readonly missing: ReadonlyArray<LinkedChannel> }> = []
        for (const user of candidates) {
          if (adminIds.has(Number(user.userId))) continue
          const userId = UserId.make(Number(user.userId))
          const startedAt = yield* Clock.currentTimeMillis
          const checks = yield* membership.checkAll(channels.map((c) => c.chatId), userId, { bypassCache: true, priority: 2 })
          const cached = checks.every((c) => c.cached)
          const errors = checks.some((c) => c.result === "unknown") ? 1 : 0
          const decision = decide(channels, checks, g.settings)
          const checkedIds = channels.map((c) => c.chatId)
          if (decision._tag === "Restrict") {
            if (mode === "restrict" && g.settings.dryRun) {
              // BOT-52: a dry run only records what it would have done.
              yield* decisions.record({ groupId, userId, trigger: "batch", decision: "dry_run", reason: "would_restrict", channelIds: checkedIds, missingChannelIds: decision.missing.map((c) => c.chatId), cached, startedAt })
            } else if (mode === "restrict") {
              yield* restrictor.restrict({
                group: g, user: { id: userId, isBot: false, firstName: user.firstName ?? "member", lastName: user.lastName, username: user.username, languageCode: user.languageCode },
                trigger: "batch", template: "prompt.message", missing: decision.missing, checked: checkedIds, cached, startedAt, silent: true
              })
              if (Option.isSome(yield* restrictions.findPending(groupId, userId))) muted.push({ user, missing: decision.missing })
            } else {
              yield* decisions.record({ groupId, userId, trigger: "batch", decision: "still_missing", reason: "batch_warm", channelIds: checkedIds, missingChannelIds: decision.missing.map((c) => c.chatId), cached, startedAt })
            }
          } else {
            yield* decisions.record({ groupId, userId, trigger: "batch", decision: decision._tag === "Pass" ? "pass" : "deferred", reason: decision._tag === "Pass" ? null : "check_error", channelIds: checkedIds, cached, startedAt })
          }
          progress = { ...progress, checked: progress.checked + 1, not_subscribed: progress.not_subscribed + (decision._tag === "Restrict" ? 1 : 0), errors: progress.errors + errors }
          yield* Effect.sleep(perCheck)
        }
        for (let i = 0; i < muted.length; i += perPrompt) {
          yield* prompt(groupId, g.title, g.settings.language, g.settings, muted.slice(i, i + perPrompt)).pipe(
            Effect.catchAll((e) => Effect.logWarning(`batch scan: the combined prompt failed: ${e._tag}`))
          )
        }
        const last = candidates[candidates.length - 1]
        progress = { ...progress, cursor: last === undefined ? progress.cursor : Number(last.userId) }
        yield* saveProgress(jobId, progress)
        if (candidates.length < pageSize) break
      }
      return yield* finish(mode)
    })

    /** The group's most recent scan job, for the panel's Maintenance tab (BOT-48: the result is shown). */
    const latest = (groupId: ChatId) =>
      dbCall(Effect.map(
        sql<{ readonly id: number; readonly state: string; readonly runAt: Date; readonly updatedAt: Date; readonly result: unknown; readonly lastError: string | null }>`
          SELECT id, state, run_at, updated_at, result, last_error FROM scheduled_jobs
          WHERE kind = ${batchScanKind} AND payload @> ${JSON.stringify({ group_id: Number(groupId) })}::jsonb
          ORDER BY id DESC LIMIT 1`,
        (rows) => Option.map(Option.fromNullable(rows[0]), (r) => ({ ...r, result: typeof r.result === "string" ? JSON.parse(r.result) as unknown : r.result }))
      ))

    return { start, scan, latest } as const
  })
}) {}
