import { Clock, Effect, Metric, MetricState } from "effect"

type Tags = ReadonlyArray<{ readonly key: string; readonly value: string }>
const tag = (tags: Tags, key: string) => tags.find((t) => t.key === key)?.value

/** The process's Effect metrics read in place (the bot and the panel share the registry in one process). */
export const metricsSnapshot = Effect.map(Metric.snapshot, (pairs) => {
  let telegramOk = 0
  let telegramFailed = 0
  const queues: Record<string, number> = {}
  const breakers: Record<string, "closed" | "half-open" | "open"> = {}
  let emergency = false
  for (const { metricKey: key, metricState: state } of pairs) {
    if (key.name === "nezuko_telegram_calls_total" && MetricState.isCounterState(state)) {
      if (tag(key.tags, "outcome") === "ok") telegramOk += Number(state.count)
      else telegramFailed += Number(state.count)
    } else if (key.name === "nezuko_ratelimit_queue_depth" && MetricState.isGaugeState(state)) {
      queues[tag(key.tags, "priority") ?? "?"] = Number(state.value)
    } else if (key.name === "nezuko_ratelimit_emergency" && MetricState.isGaugeState(state)) {
      emergency = Number(state.value) === 1
    } else if (key.name === "nezuko_circuit_state" && MetricState.isGaugeState(state)) {
      const value = Number(state.value)
      breakers[tag(key.tags, "breaker") ?? "?"] = value === 2 ? "open" : value === 1 ? "half-open" : "closed"
    }
  }
  return { telegramOk, telegramFailed, queues, breakers, emergency }
})

// Counters only grow; a rate over the last hour needs their values an hour ago. Each read keeps a sample per
// minute for 61 minutes and compares with the oldest one inside the hour.
interface Sample { readonly at: number; readonly ok: number; readonly failed: number }
const holder = globalThis as { __nezukoTelegramSamples?: Array<Sample> }
const samples = (holder.__nezukoTelegramSamples ??= [])

/** Failed ÷ all Telegram calls over the last hour (or since the first sample when the panel is younger). */
export const telegramErrorRate = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const { telegramFailed, telegramOk } = yield* metricsSnapshot
  const last = samples.at(-1)
  if (last === undefined || now - last.at >= 60_000) samples.push({ at: now, ok: telegramOk, failed: telegramFailed })
  while (samples.length > 0 && now - (samples[0]?.at ?? now) > 61 * 60_000) samples.shift()
  const base = samples[0] ?? { at: now, ok: 0, failed: 0 }
  // The very first read has no history: count everything since the process started.
  const from = samples.length === 1 && base.at === now ? { ok: 0, failed: 0 } : base
  const ok = telegramOk - from.ok
  const failed = telegramFailed - from.failed
  return { calls: ok + failed, failed, rate: ok + failed === 0 ? 0 : failed / (ok + failed), sinceMs: now - base.at }
})
