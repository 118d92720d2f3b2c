import { Jobs, TelegramApi } from "@nezuko/core"
import { MemberCountRepo, type MemberCountTarget } from "@nezuko/db"
import { Clock, Duration, Effect, Layer, Schedule, Schema } from "effect"
import { jobHandler } from "./JobRunner.js"

/** OPS-16's `member_sync` kind; the kind is also its dedupe key (one queued or running at a time). */
export const memberSyncKind = "member_sync"
export const memberSyncEvery = Duration.minutes(15)
/** OPS-16: the counts are asked for one after another, this far apart, so a big installation never bursts. */
export const memberSyncSpacing = Duration.millis(100)

/** What one cycle did; stored as the job's result (shown on the status page). */
export interface MemberSyncResult {
  readonly updated: number
  /** Entities skipped after a 429: their count is asked for again next cycle. */
  readonly rateLimited: number
  /** Entities skipped after any other Telegram error (the bot left, the chat is gone, an outage). */
  readonly failed: number
}

type Outcome = "updated" | "rateLimited" | "failed"

/**
 * One cycle: `getChatMemberCount` at P2 for each protected group and each linked channel, stored as
 * `groups.member_count` / `channels.subscriber_count`. A failure of one entity never fails the job: a 429 (after
 * the limiter's short LIM-5 wait for kind `membership`, at most 5 s) or any other Telegram error skips that
 * entity until the next cycle, so one bad chat cannot stall the counts of the others. Database errors do fail
 * the job, which the runner retries.
 */
export const syncMemberCounts = Effect.gen(function* () {
  const repo = yield* MemberCountRepo
  const telegram = yield* TelegramApi
  const targets = yield* repo.targets
  const syncOne = (target: MemberCountTarget, index: number) =>
    Effect.gen(function* () {
      if (index > 0) yield* Effect.sleep(memberSyncSpacing)
      const count = yield* telegram.getChatMemberCount({ chat_id: target.chatId }, { priority: 2, kind: "membership" }).pipe(
        Effect.map((n): number | Outcome => n),
        Effect.catchTag("TelegramRateLimited", (e) =>
          Effect.as(
            Effect.logInfo(`member_sync: ${target.kind} ${target.chatId} rate-limited (retry after ${Duration.format(e.retryAfter)}); skipped until the next cycle`),
            "rateLimited" as const
          )),
        Effect.catchAll((e) => Effect.as(Effect.logWarning(`member_sync: ${target.kind} ${target.chatId} skipped`, e), "failed" as const))
      )
      if (typeof count !== "number") return count
      yield* repo.store(target, count)
      return "updated" as const
    })
  const outcomes = yield* Effect.forEach(targets, syncOne)
  const tally = (o: Outcome) => outcomes.filter((x) => x === o).length
  return { updated: tally("updated"), rateLimited: tally("rateLimited"), failed: tally("failed") } satisfies MemberSyncResult
})

/** The `member_sync` kind (OPS-16). */
export const MemberSyncJobsLive = jobHandler(memberSyncKind, Schema.Struct({}), () => syncMemberCounts).pipe(
  Layer.provide(MemberCountRepo.Default)
)

/** The leader's 15-minute duty: one queued `member_sync` job at a time (the dedupe key), so replicas never double it. */
export const scheduleMemberSync = Effect.repeat(
  Effect.flatMap(Jobs, (jobs) => Effect.flatMap(Clock.currentTimeMillis, (now) => jobs.schedule(memberSyncKind, new Date(now), {}, memberSyncKind))).pipe(
    Effect.catchAll((e) => Effect.logWarning("scheduling member_sync failed", e))
  ),
  Schedule.spaced(memberSyncEvery)
)
