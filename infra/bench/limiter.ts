import {
  RateLimiter,
  RateLimiterStore,
  layerRedisLimiterStore,
  RedisClient,
  TelegramApi
} from "@nezuko/core"
import { AppConfigTest, redisServerUrl, SandboxUnderTest, TelegramApiSandboxTest } from "@nezuko/testing"
import { Clock, Effect, Layer, Redacted } from "effect"
import type { BenchRow } from "./main.js"

const windowSends = 900
const rounds = 5

/** A stand-in for one request: one async hop, like an HTTP call that answers at once. */
const fakeSend = Effect.promise(() => Promise.resolve())

/**
 * Time per send with and without the limiter, in the same run. 900 sends per round stay under
 * RATE_LIMIT_API_CALLS=1000, so nothing waits for budget: the difference is the limiter's own cost
 * (queue, dispatcher hand-off, store check, settle).
 */
const overhead = (label: string, store: Layer.Layer<RateLimiterStore, unknown>) =>
  Effect.gen(function* () {
    const limiter = yield* RateLimiter
    let limited = 0
    let baseline = 0
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now()
      for (let i = 0; i < windowSends; i++) yield* fakeSend
      const t1 = performance.now()
      for (let i = 0; i < windowSends; i++) yield* limiter.withPermit({ budget: "api", priority: 1 }, fakeSend)
      const t2 = performance.now()
      baseline += t1 - t0
      limited += t2 - t1
      yield* Effect.sleep("1100 millis")
    }
    const n = windowSends * rounds
    const perSend = (ms: number) => (ms * 1000) / n
    return [
      { bench: "limiter", metric: `baseline send (no limiter)`, value: perSend(baseline), unit: "µs/send" },
      { bench: "limiter", metric: `send through limiter, ${label} store`, value: perSend(limited), unit: "µs/send" },
      { bench: "limiter", metric: `limiter overhead, ${label} store`, value: perSend(limited - baseline), unit: "µs/send" }
    ] satisfies Array<BenchRow>
  }).pipe(Effect.provide(RateLimiter.Default.pipe(Layer.provide(store), Layer.provide(AppConfigTest({ RATE_LIMIT_API_CALLS: "1000" })))))

const redisStore = layerRedisLimiterStore(`nzbench:${Date.now().toString(36)}:`, "bench").pipe(
  Layer.provide(RedisClient.layer(Redacted.make(redisServerUrl), { commandTimeout: "2 seconds" }))
)

/**
 * SPEC OPS-17: 1 000 sendMessage calls through TelegramApi and the limiter against the sandbox on loopback.
 * Budget use = sends after the first window ÷ (25/s × time from the first to the last send the sandbox saw);
 * 100 % means every second carried 25 messages. 50 groups × 20 messages keep the per-group windows out of the way.
 */
const burst = Effect.gen(function* () {
  const telegram = yield* TelegramApi
  const sandbox = yield* SandboxUnderTest
  const groups = Array.from({ length: 50 }, (_, i) => sandbox.driver.createSupergroup({ title: `Bench ${i}` }).id)
  const total = 1_000
  const started = yield* Clock.currentTimeMillis
  yield* Effect.forEach(Array.from({ length: total }, (_, i) => i), (i) =>
    telegram.sendMessage({ chat_id: groups[i % groups.length] ?? 0, text: `burst ${i}` }), { concurrency: "unbounded", discard: true })
  const wall = ((yield* Clock.currentTimeMillis) - started) / 1000
  const arrivals = sandbox.driver.calls({ method: "sendMessage" }).filter((c) => c.ok).map((c) => c.at).sort((a, b) => a - b)
  const span = ((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)) / 1000
  const budget = 25
  const use = span > 0 ? ((arrivals.length - budget) / (budget * span)) * 100 : 0
  const violations = sandbox.driver.violations().length
  return [
    { bench: "burst", metric: "messages delivered", value: arrivals.length, unit: `of ${total}` },
    { bench: "burst", metric: "wall time", value: wall, unit: "s" },
    { bench: "burst", metric: "budget use (25/s)", value: use, unit: "%", target: "≥ 95", ok: use >= 95 },
    { bench: "burst", metric: "429 from the sandbox", value: violations, unit: "", target: "0", ok: violations === 0 }
  ] satisfies Array<BenchRow>
}).pipe(Effect.provide(TelegramApiSandboxTest()))

export const limiterBench = Effect.gen(function* () {
  const rows: Array<BenchRow> = []
  rows.push(...(yield* overhead("memory", RateLimiterStore.layerMemory)))
  const redis = yield* Effect.either(overhead("redis", redisStore))
  if (redis._tag === "Right") rows.push(...redis.right.slice(1))
  else rows.push({ bench: "limiter", metric: "redis store", value: Number.NaN, unit: "skipped: no Redis on 127.0.0.1:6379" })
  rows.push(...(yield* burst))
  return rows
})
