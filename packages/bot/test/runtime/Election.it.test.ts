import { SqlClient } from "@effect/sql"
import { describe, it } from "@effect/vitest"
import { Health, KeyValueStore, makeMemoryStore } from "@nezuko/core"
import { makePgLayer, migrate } from "@nezuko/db"
import { makeDatabase, redisServerUrl } from "@nezuko/testing"
import { Context, Effect, Exit, Layer, Redacted } from "effect"
import { expect } from "vitest"
import type { Feature } from "../../src/runtime/Feature.js"
import { Leadership, LeaderLive } from "../../src/runtime/Leader.js"
import { PollingLive } from "../../src/runtime/Polling.js"
import { eventually, processLayer, sandboxEnv, sandboxScoped, startProcess, waitUntil } from "./harness.js"

const noFeatures: ReadonlyArray<Feature<never>> = []

// Two "processes" on one real Postgres, each with its own pool (and so its own sessions for the locks).
const replica = (url: string, env: Record<string, string>, store: Layer.Layer<KeyValueStore>) =>
  processLayer(Layer.mergeAll(PollingLive, LeaderLive), noFeatures, { DATABASE_URL: url, ...env }).pipe(
    Layer.provide(store),
    Layer.provideMerge(makePgLayer({ url: Redacted.make(url), maxConnections: 4 }))
  )

const roleOf = (context: Context.Context<Health>) =>
  Effect.map(Context.get(context, Health).report, (r) => (r.checks["intake"] as { role?: string } | undefined)?.role)

describe("replicas sharing one database", () => {
  it.live("elect one leader and one poller, and fail over when they stop", () =>
    Effect.scoped(Effect.gen(function* () {
      const sandbox = yield* sandboxScoped()
      const db = yield* makeDatabase
      yield* migrate.pipe(Effect.provide(makePgLayer({ url: Redacted.make(db.url), maxConnections: 1 })))
      const store = Layer.succeed(KeyValueStore, makeMemoryStore(1000))
      // OPS-11 allows several replicas only with Redis configured (the store itself is shared memory here).
      const env = (id: string) => sandboxEnv(sandbox, { INSTANCE_ID: id, REDIS_URL: redisServerUrl })
      const a = yield* startProcess(replica(db.url, env("replica-a"), store))
      yield* waitUntil(() => sandbox.driver.calls({ method: "getUpdates" }).length > 0)
      const b = yield* startProcess(replica(db.url, env("replica-b"), store))

      const leaders = Effect.forEach([a, b], (p) => Context.get(p.context, Leadership).isHeld)
      const roles = Effect.forEach([a, b], (p) => roleOf(p.context))
      expect(yield* eventually(roles, (r) => r[1] === "standby")).toEqual(["poller", "standby"])
      expect(yield* leaders).toEqual([true, false])
      // One leader registered the menus once.
      expect(sandbox.driver.calls({ method: "setMyCommands" }).length).toBe(3)
      const rows = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql<{ instanceId: string; isLeader: boolean; mode: string; roles: ReadonlyArray<string> }>`
          SELECT instance_id, is_leader, mode, roles FROM bot_instances ORDER BY instance_id`).pipe(
        Effect.provide(a.context)
      )
      expect(rows).toEqual([
        { instanceId: "replica-a", isLeader: true, mode: "polling", roles: ["bot", "panel", "jobs"] },
        { instanceId: "replica-b", isLeader: false, mode: "polling", roles: ["bot", "panel", "jobs"] }
      ])

      // The first replica stops: its locks are released and the standby takes both over (it retries every 10 s).
      yield* a.stop
      expect(yield* eventually(roles.pipe(Effect.map((r) => r[1])), (r) => r === "poller", "20 seconds")).toBe("poller")
      expect(yield* eventually(Context.get(b.context, Leadership).isHeld, (held) => held, "20 seconds")).toBe(true)
      yield* b.stop
    })), { timeout: 60_000 })

  it.live("a second replica without Redis refuses to start (OPS-11)", () =>
    Effect.scoped(Effect.gen(function* () {
      const sandbox = yield* sandboxScoped()
      const db = yield* makeDatabase
      yield* migrate.pipe(Effect.provide(makePgLayer({ url: Redacted.make(db.url), maxConnections: 1 })))
      const store = Layer.succeed(KeyValueStore, makeMemoryStore(1000))
      const a = yield* startProcess(replica(db.url, sandboxEnv(sandbox, { INSTANCE_ID: "alone-a" }), store))
      const second = yield* Effect.exit(startProcess(replica(db.url, sandboxEnv(sandbox, { INSTANCE_ID: "alone-b" }), store)))
      expect(Exit.isFailure(second)).toBe(true)
      expect(String(Exit.isFailure(second) ? second.cause : "")).toContain("REDIS_URL")
      yield* a.stop
    })), { timeout: 60_000 })
})
