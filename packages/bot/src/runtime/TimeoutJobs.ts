import {
  AdminReleases, GroupRelease, reevaluatePendingKind, ReleaseAllPayload, releaseAllKind, TimeoutPayload, Timeouts, timeoutKind,
  UnlinkPayload, UnprotectPayload
} from "@nezuko/core"
import { Effect, Layer, Schema } from "effect"
import { jobHandler } from "./JobRunner.js"

/** LIM-6 "Timeout ban/unban": when the attempts inside TelegramApi are exhausted, the job retries after 1, 5 and 30 minutes. */
const timeoutRetry = ["1 minute", "5 minutes", "30 minutes"] as const

/**
 * The `timeout` kind (BOT-38, one per pending record at its deadline), `release_all` (BOT-20's
 * `/release all`, P2) and BOT-16's two. All re-read the records they act on, so a late or repeated run changes nothing.
 */
export const TimeoutJobsLive = Layer.mergeAll(
  jobHandler(timeoutKind, TimeoutPayload, (payload) => Effect.flatMap(Timeouts, (t) => t.run(payload)).pipe(Effect.map((outcome) => ({ outcome }))), { retry: timeoutRetry }),
  jobHandler(releaseAllKind, Schema.Union(UnprotectPayload, ReleaseAllPayload), (payload): Effect.Effect<unknown, unknown, GroupRelease | AdminReleases> =>
    "reason" in payload
      ? Effect.flatMap(GroupRelease, (r) => r.runRelease(payload))
      : Effect.flatMap(AdminReleases, (r) => r.runReleaseAll(payload))),
  jobHandler(reevaluatePendingKind, UnlinkPayload, (payload) => Effect.flatMap(GroupRelease, (r) => r.runReevaluate(payload)))
)
