import { CircuitBreakers, Outbox } from "@nezuko/core"
import { Clock, Duration, Effect, Layer, Schedule } from "effect"

/**
 * LIM-13: replays the `outbox_send` jobs in order once the telegram breaker lets calls through again.
 * Part of the `jobs` role; Outbox claims its own jobs (SKIP LOCKED), so every replica may run this.
 */
export const OutboxReplayLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const outbox = yield* Outbox
    const breakers = yield* CircuitBreakers
    const replay = Effect.gen(function* () {
      // Nothing else may call Telegram while it is out, so once the open time is over the replay's first call
      // is the breaker's half-open trial; waiting for "closed" could wait forever.
      const s = yield* breakers.state("telegram")
      if (s._tag === "open" && (yield* Clock.currentTimeMillis) < s.until) return
      const counts = yield* outbox.replay()
      if (counts.sent + counts.dead + counts.stale + counts.retrying + counts.settled > 0) {
        yield* Effect.logInfo("outbox replayed", counts).pipe(Effect.annotateLogs("event", "outbox.replayed"))
      }
    }).pipe(Effect.catchAll((e) => Effect.logWarning("outbox replay failed", e)))
    yield* Effect.forkScoped(replay.pipe(Effect.repeat(Schedule.spaced(Duration.seconds(2)))))
  })
)
