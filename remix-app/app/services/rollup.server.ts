import { HourlyRollup } from "@nezuko/db"
import { Effect, Layer, Schedule } from "effect"

/** DATA-12: verification_hourly upserted every 5 minutes by the panel process (idempotent, one runner at a time). */
export const HourlyRollupLive = Layer.scopedDiscard(
  Effect.flatMap(HourlyRollup, (rollup) =>
    rollup.run.pipe(
      Effect.catchAll((e) => Effect.logWarning("hourly rollup failed", e)),
      Effect.repeat(Schedule.spaced("5 minutes")),
      Effect.forkScoped
    ))
).pipe(Layer.provide(HourlyRollup.Default))
