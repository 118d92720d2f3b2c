import { SqlClient } from "@effect/sql"
import { dbCall } from "@nezuko/db"
import { Duration } from "effect"

/** DATA-20: every replica writes its `bot_instances` row this often… */
export const instanceHeartbeatEvery = Duration.seconds(15)
/** …and counts as live while its last heartbeat is younger than this. */
export const instanceLiveWithin = Duration.seconds(60)

/**
 * The other replicas live in `bot_instances` (heartbeat within 60 s): OPS-11's start-up refusal without Redis
 * and LIM-11's divisor for the limiter's local windows both count them.
 */
export const liveOtherReplicas = (sql: SqlClient.SqlClient, instanceId: string) =>
  dbCall(sql<{ readonly instanceId: string }>`
    SELECT instance_id FROM bot_instances
    WHERE instance_id <> ${instanceId}
      AND last_heartbeat_at > now() - make_interval(secs => ${Duration.toSeconds(instanceLiveWithin)})`)
