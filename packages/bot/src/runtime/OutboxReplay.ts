import { CircuitBreakers, Outbox } from "@nezuko/core"
import { Duration, Effect, Layer, Schedule } from "effect"

/**
 * LIM-13: replays the `telegram_call` outbox in order once the telegram breaker lets calls through again.
 * Part of the `jobs` role; Outbox claims its own jobs (SKIP LOCKED), so every replica may run this.
 */
export const OutboxReplayLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const outbox = yield* Outbox
    const breakers = yield* CircuitBreakers
    const replay = Effect.gen(function* () {
      if ((yield* breakers.state("telegram"))._tag === "open") return
      const counts = yield* outbox.replay()
      if (counts.sent + counts.dead + counts.stale + counts.retrying > 0) {
        yield* Effect.logInfo("outbox replayed", counts).pipe(Effect.annotateLogs("event", "outbox.replayed"))
      }
    }).pipe(Effect.catchAll((e) => Effect.logWarning("outbox replay failed", e)))
    yield* Effect.forkScoped(replay.pipe(Effect.repeat(Schedule.spaced(Duration.seconds(2)))))
  })
)
