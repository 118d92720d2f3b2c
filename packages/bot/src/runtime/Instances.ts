import { SqlClient } from "@effect/sql"
import { AppConfig, FatalStartup, instanceHeartbeatEvery, liveOtherReplicas, version } from "@nezuko/core"
import { dbCall } from "@nezuko/db"
import { Clock, Duration, Effect, Schedule } from "effect"

/** DATA-20: an instance's row is removed after 24 h without a heartbeat. */
export const removeAfter = Duration.hours(24)

export interface InstanceState {
  readonly mode: string
  readonly isLeader: boolean
  readonly info: Record<string, unknown>
}

/**
 * This replica's row in `bot_instances` (DATA-20): written at start and every 15 s with its roles, mode,
 * version and leadership. (Its SQL lives here rather than in a db repository; the count of live replicas,
 * which the limiter needs too, is core's `liveOtherReplicas`.)
 */
export const makeInstances = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const config = yield* AppConfig
  const startedAt = new Date(yield* Clock.currentTimeMillis)
  const roles = config.roles.join(",")

  const beat = (state: InstanceState) =>
    dbCall(sql`
      INSERT INTO bot_instances (instance_id, roles, mode, version, started_at, last_heartbeat_at, is_leader, info)
      VALUES (${config.instanceId}, string_to_array(${roles}, ','), ${state.mode}, ${version}, ${startedAt}, now(),
              ${state.isLeader}, ${JSON.stringify(state.info)}::jsonb)
      ON CONFLICT (instance_id) DO UPDATE SET roles = excluded.roles, mode = excluded.mode, version = excluded.version,
        started_at = excluded.started_at, last_heartbeat_at = now(), is_leader = excluded.is_leader, info = excluded.info`
      .pipe(Effect.asVoid))

  /** Other replicas with a heartbeat in the last 60 s. */
  const liveOthers = liveOtherReplicas(sql, config.instanceId)

  /** Leader housekeeping: rows of instances silent for 24 h go. */
  const removeDead = dbCall(
    sql`DELETE FROM bot_instances WHERE last_heartbeat_at < now() - make_interval(secs => ${Duration.toSeconds(removeAfter)})`
      .pipe(Effect.asVoid)
  )

  /**
   * OPS-11: without Redis every replica keeps caches, de-duplication and limiter windows to itself, so a
   * second live replica would double every budget; refuse to start instead.
   */
  const refuseSecondReplicaWithoutRedis = Effect.gen(function* () {
    if (config.redisUrl._tag === "Some" || config.embeddedDatabase) return
    const others = yield* liveOthers
    if (others.length > 0) {
      return yield* new FatalStartup({
        exitCode: 78,
        message: `another replica (${others.map((o) => o.instanceId).join(", ")}) is live on this database: ` +
          "several replicas need REDIS_URL (OPS-11)"
      })
    }
  })

  const heartbeatLoop = (state: Effect.Effect<InstanceState>) =>
    Effect.flatMap(state, beat).pipe(
      Effect.catchAll((e) => Effect.logWarning("heartbeat failed", e)),
      Effect.repeat(Schedule.spaced(instanceHeartbeatEvery))
    )

  return { beat, liveOthers, removeDead, refuseSecondReplicaWithoutRedis, heartbeatLoop } as const
})
