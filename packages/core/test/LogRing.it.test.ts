import { it } from "@effect/vitest"
import { redisServerUrl, ResilienceTest } from "@nezuko/testing"
import { Context, Effect, Layer, Logger, Redacted } from "effect"
import { Redis } from "ioredis"
import { expect } from "vitest"
import { type LogEntry, makeLogger } from "../src/Logging.js"
import { LogRing } from "../src/LogRing.js"
import { RedisClient } from "../src/Redis.js"

const replica = (prefix: string) =>
  Layer.build(LogRing.layerRedis(prefix).pipe(
    Layer.provide(Layer.merge(RedisClient.layer(Redacted.make(redisServerUrl), { commandTimeout: "2 seconds" }), ResilienceTest()))
  ))
// The process's logger feeds the ring (every process installs it through LoggingLive); nothing is printed here.
const logger = Logger.replace(Logger.defaultLogger, makeLogger({ service: "bot", instance: "replica-a" }, "json", () => undefined))

const until = (check: () => boolean | Promise<boolean>) =>
  Effect.promise(async () => {
    for (let i = 0; i < 150 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20))
  })
const all = () => true

it.live("logs:ring on the real Redis: a process's entries reach the shared ring and the followers; another replica's too (PANEL-12)", () =>
  Effect.scoped(Effect.gen(function* () {
    const prefix = `nztest:${Date.now().toString(36)}:`
    const ring = Context.get(yield* replica(prefix), LogRing)
    const followed: Array<LogEntry> = []
    const unfollow = ring.follow((e) => followed.push(e))
    const raw = yield* Effect.acquireRelease(Effect.sync(() => new Redis(redisServerUrl)), (c) => Effect.promise(async () => {
      await c.del(`${prefix}logs:ring`)
      await c.quit()
    }))
    yield* until(async () => (await raw.pubsub("NUMSUB", `${prefix}logs`))[1] === 1)

    yield* Effect.logWarning("the bot said this").pipe(Effect.annotateLogs({ chat_id: "-1001" }), Effect.provide(logger))
    // Shipped within the batch interval, under the prefix, with its fields.
    yield* until(async () => (await raw.llen(`${prefix}logs:ring`)) > 0)
    const stored = (yield* Effect.promise(() => raw.lrange(`${prefix}logs:ring`, 0, -1))).map((l) => JSON.parse(l) as LogEntry)
    expect(stored.find((e) => e.msg === "the bot said this")).toMatchObject({ level: "warn", instance: "replica-a", chat_id: "-1001" })
    yield* until(() => followed.some((e) => e.msg === "the bot said this"))
    expect(followed.filter((e) => e.msg === "the bot said this")).toHaveLength(1)

    // Another replica (another process) appends and publishes: this one's readers see it.
    const other = { ts: new Date().toISOString(), level: "error", msg: "from replica b", instance: "replica-b" }
    yield* Effect.promise(() => raw.multi().rpush(`${prefix}logs:ring`, JSON.stringify(other)).publish(`${prefix}logs`, JSON.stringify([other])).exec())
    yield* until(() => followed.some((e) => e.msg === "from replica b"))
    const recent = yield* ring.recent(all, 200)
    expect(recent.map((e) => e.msg)).toEqual(expect.arrayContaining(["the bot said this", "from replica b"]))
    expect((yield* ring.recent((e) => e.level === "error", 200)).map((e) => e.msg)).toEqual(["from replica b"])
    // A line that is not an entry (a foreign writer) is skipped, not fatal.
    yield* Effect.promise(() => raw.rpush(`${prefix}logs:ring`, "not json"))
    expect((yield* ring.recent(all, 1)).map((e) => e.msg)).toEqual(["from replica b"])
    // Read a page at a time from the newest: an older match is still found behind 2 500 newer entries.
    const filler = Array.from({ length: 2_500 }, (_, i) => JSON.stringify({ ts: other.ts, level: "info", msg: `filler ${i}` }))
    yield* Effect.promise(() => raw.rpush(`${prefix}logs:ring`, ...filler))
    expect((yield* ring.recent(all, 2)).map((e) => e.msg)).toEqual(["filler 2498", "filler 2499"])
    expect((yield* ring.recent((e) => e.level === "error", 200)).map((e) => e.msg)).toEqual(["from replica b"])
    unfollow()
  })), 20_000)

