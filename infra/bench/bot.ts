import { type BotLive, makeBotLive } from "@nezuko/bot"
import { circuitTransitions } from "@nezuko/core"
import { Effect, Layer, Metric } from "effect"
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector"
import { cpus, loadavg } from "node:os"
import type { SandboxDriver } from "@nezuko/telegram-sandbox"
import { startSandbox } from "@nezuko/telegram-sandbox"
import { type BotHarness, startNezuko } from "../e2e/botHarness.js"
import type { BenchRow } from "./main.js"
import { startPlainBot } from "./plainBot.js"
import { makeEffectCounter } from "./effectCounter.js"
import { makeSpanRecorder, type SpanRecord } from "./spans.js"
import { fmt, latencies, type Latencies, median, sleep, textTable } from "./stats.js"
import { type BenchWorld, buildWorld, liftMutes, type PlannedMessage, sendPlan, steadyPlan, warmupPlan, type WorldSpec } from "./world.js"

/*
 * The bot benchmark of SPEC OPS-17 / issue 6: the same world and message stream through two sandboxes, one
 * driven by Nezuko's real process graph (in-process, real Redis and PostgreSQL), one by a plain grammY +
 * ioredis bot. Each run: a warm-up pass (every (group, user) pair writes once: all cache misses), then a
 * steady-state pass (80 % members / 20 % non-members, random groups). Loopback only; stops by itself.
 */

const env = (name: string, fallback: number) => {
  const raw = process.env[name]
  const n = raw === undefined ? Number.NaN : Number(raw)
  return Number.isFinite(n) && n > 0 ? n : fallback
}

const settings = {
  world: { groups: env("BENCH_BOT_GROUPS", 20), users: env("BENCH_BOT_USERS", 500) } satisfies WorldSpec,
  steadyMessages: env("BENCH_BOT_MESSAGES", 4000),
  /** Offered load, above what either bot sustains, so decisions/s measure capacity. */
  ratePerSecond: env("BENCH_BOT_RATE", 8000),
  /** The latency pass: a load both bots sustain, so latencies are not queueing behind a backlog. */
  pacedMessages: env("BENCH_BOT_PACED_MESSAGES", 600),
  pacedRate: env("BENCH_BOT_PACED_RATE", 100),
  runs: env("BENCH_BOT_RUNS", 3),
  /** Also count the counted pass's Effect operations by span and print them per decision (median of the runs). */
  opsBySpan: process.env.BENCH_BOT_OPS_BY_SPAN === "1",
  /**
   * Phase D: the steady stream again with this many ms added by the sandbox to every Bot API call — the round
   * trip to Telegram's servers that loopback hides. A and D together show what each design costs in CPU and
   * what it does with waiting.
   */
  apiLatencyMs: env("BENCH_BOT_API_LATENCY_MS", 30),
  latencyMessages: env("BENCH_BOT_LATENCY_MESSAGES", 600),
  redisUrl: "redis://127.0.0.1:6379"
}

/** Nezuko's configuration for the run; every other variable keeps its default. */
const nezukoEnv = (prefix: string) => ({
  REDIS_URL: settings.redisUrl,
  REDIS_KEY_PREFIX: prefix,
  // Decisions are the subject: the API-call budget (getChatMember, restrict, delete) at its configured maximum.
  // Message sends (prompts) keep RATE_LIMIT_GLOBAL=25/s and RATE_LIMIT_PER_GROUP=20/min, as in production.
  RATE_LIMIT_API_CALLS: "1000",
  DATABASE_POOL_SIZE: "20",
  LOG_LEVEL: process.env.BENCH_BOT_LOG_LEVEL ?? "error"
})

export interface PhaseResult {
  readonly messages: number
  readonly refused: number
  readonly unmuted: number
  readonly decisions: number
  /** First message sent → last decision. */
  readonly seconds: number
  readonly decisionsPerSecond: number
  readonly getChatMember: number
  readonly apiCalls: number
  readonly prompts: number
  /** CPU time of the whole process (bot and sandbox) per decision: unlike rates, it barely moves with load. */
  readonly cpuMsPerDecision: number
  readonly hit: Latencies
  readonly miss: Latencies
  /** Nezuko only: Bot.processUpdate start → decision (adds de-duplication and grammY dispatch). */
  readonly hitFromUpdate?: Latencies
  /** Nezuko only: times the `redis` circuit breaker opened during the phase (the cache then falls back to memory). */
  readonly redisBreakerOpened?: number
  /** Nezuko only: verification_log.latency_ms (whole ms) of the cache hits, for comparison. */
  readonly hitLogged?: Latencies
}

const callCounts = (driver: SandboxDriver, after: number, durationStart: number) => {
  const calls = driver.calls({ after }).filter((c) => c.at >= durationStart)
  return {
    getChatMember: calls.filter((c) => c.method.toLowerCase() === "getchatmember").length,
    prompts: calls.filter((c) => c.method.toLowerCase() === "sendmessage").length,
    apiCalls: calls.filter((c) => c.method.toLowerCase() !== "getupdates").length
  }
}

const waitFor = async (check: () => Promise<boolean> | boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return true
    await sleep(20)
  }
  return false
}

// ── the plain bot ────────────────────────────────────────────────────────────

const runPlain = async (runId: string) => {
  const sandbox = await startSandbox({ limits: { enabled: false } })
  const world = buildWorld(sandbox.driver, settings.world)
  const plain = await startPlainBot({
    token: sandbox.token, apiRoot: sandbox.apiRoot, redisUrl: settings.redisUrl, keyPrefix: `nzbench:${runId}:plain:`, links: world.links
  })
  const phase = async (plan: ReadonlyArray<PlannedMessage>, rate: number, apiLatencyMs = 0): Promise<PhaseResult> => {
    const fault = apiLatencyMs > 0 ? sandbox.driver.injectFault({ method: "*", kind: "latency", latencyMs: apiLatencyMs }) : undefined
    const mark = sandbox.driver.mark()
    const from = plain.decisions.length
    const cpu = process.cpuUsage()
    const sent = await sendPlan(sandbox.driver, plan, rate)
    const complete = await waitFor(() => plain.decisions.length - from >= sent.sent, 60_000)
    const used = process.cpuUsage(cpu)
    // The last prompt of a non-member is sent after its decision; give the handler a moment to finish.
    await sleep(200 + 3 * apiLatencyMs)
    if (fault !== undefined) sandbox.driver.clearFaults("*")
    const decided = plain.decisions.slice(from)
    if (!complete) process.stderr.write(`plain bot: ${decided.length} of ${sent.sent} decisions\n`)
    const last = Math.max(...decided.map((d) => d.at))
    const seconds = (last - sent.startedAt) / 1000
    return {
      messages: plan.length, refused: sent.refused, unmuted: sent.unmuted, decisions: decided.length, seconds, decisionsPerSecond: decided.length / seconds,
      cpuMsPerDecision: (used.user + used.system) / 1000 / decided.length,
      ...callCounts(sandbox.driver, mark, sent.startedAt),
      hit: latencies(decided.filter((d) => d.cached).map((d) => d.latencyMs)),
      miss: latencies(decided.filter((d) => !d.cached).map((d) => d.latencyMs))
    }
  }
  try {
    const warmup = await phase(warmupPlan(world), settings.ratePerSecond)
    liftMutes(sandbox.driver, world)
    const steady = await phase(steadyPlan(world, settings.steadyMessages), settings.ratePerSecond)
    const paced = await phase(steadyPlan(world, settings.pacedMessages, 7), settings.pacedRate)
    liftMutes(sandbox.driver, world)
    const latent = await phase(steadyPlan(world, settings.latencyMessages, 11), settings.ratePerSecond, settings.apiLatencyMs)
    return { warmup, steady, paced, latent }
  } finally {
    await plain.close()
    await sandbox.close()
  }
}

// ── Nezuko ───────────────────────────────────────────────────────────────────

/**
 * BENCH_BOT_PROFILE=steady (or warmup, paced, latent; floor for the intake alone) writes a V8 CPU profile of that phase to
 * bench-<phase>.cpuprofile in the working directory (open it in Chrome DevTools); startup is left out.
 */
const profilePhase = async (label: string): Promise<() => Promise<void>> => {
  if (process.env.BENCH_BOT_PROFILE !== label) return async () => undefined
  const session = new Session()
  session.connect()
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))))
  await post("Profiler.enable")
  await post("Profiler.start")
  return async () => {
    const { profile } = (await post("Profiler.stop")) as { profile: unknown }
    writeFileSync(`bench-${label}.cpuprofile`, JSON.stringify(profile))
    session.disconnect()
  }
}

const spanNames = new Set(["Bot.processUpdate", "Enforcement.onMessage", "Restrictor.restrict", "VerificationLog.flush"])

/**
 * Decision latency from spans: from the start of Enforcement.onMessage (where the engine's own clock starts)
 * to the decision — the start of the restrict flow for a non-member (its Telegram calls excluded, as OPS-17
 * says), else the start of an inline verification-log flush, else the end of onMessage.
 */
const spanLatencies = (spans: ReadonlyArray<SpanRecord>) => {
  const byId = new Map(spans.map((s) => [s.spanId, s]))
  const decisionAt = new Map<string, bigint>()
  for (const s of spans) {
    if ((s.name === "Restrictor.restrict" || s.name === "VerificationLog.flush") && s.parentId !== undefined) {
      const current = decisionAt.get(s.parentId)
      if (current === undefined || s.start < current) decisionAt.set(s.parentId, s.start)
    }
  }
  const out = new Map<string, { engineMs: number; updateMs: number }>()
  for (const s of spans) {
    if (s.name !== "Enforcement.onMessage" || s.end === undefined || s.parentId === undefined) continue
    const update = byId.get(s.parentId)
    const correlation = update?.attributes.get("correlation_id")
    if (update === undefined || typeof correlation !== "string") continue
    const at = decisionAt.get(s.spanId) ?? s.end
    out.set(correlation, { engineMs: Number(at - s.start) / 1e6, updateMs: Number(at - update.start) / 1e6 })
  }
  return out
}

/** verification_log rows after `afterId`, and the last id so far: how the bench counts Nezuko's decisions. */
const decisionsAfter = async (h: BotHarness, afterId: number) =>
  (await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM verification_log WHERE id > ${afterId}`))[0]?.n ?? 0
const lastDecisionId = async (h: BotHarness) =>
  (await h.query<{ id: number }>("SELECT coalesce(max(id), 0)::int AS id FROM verification_log"))[0]?.id ?? 0

const redisOpened = Metric.tagged(Metric.tagged(circuitTransitions, "breaker", "redis"), "to", "open")
const redisOpenCount = () => Effect.runSync(Metric.value(redisOpened)).count

/** Nezuko's process graph (`bot`) on its own sandbox with the bench world, its spans named `spans` recorded. */
const startBenchNezuko = async (keyPrefix: string, spans: ReadonlySet<string>, bot?: typeof BotLive, extra: Layer.Layer<never> = Layer.empty) => {
  const recorder = makeSpanRecorder(spans)
  let world: BenchWorld | undefined
  const h = await startNezuko({
    env: nezukoEnv(keyPrefix),
    sandbox: { limits: { enabled: false } },
    world: (driver) => {
      world = buildWorld(driver, settings.world)
      return world.protection
    },
    extra: Layer.merge(Layer.setTracer(recorder.tracer), extra),
    ...(bot === undefined ? {} : { bot })
  })
  if (world === undefined) throw new Error("world not built")
  return { h, w: world, recorder }
}

const runNezuko = async (runId: string) => {
  const { h, recorder, w } = await startBenchNezuko(`nzbench:${runId}:nz:`, spanNames)
  const phase = async (label: string, plan: ReadonlyArray<PlannedMessage>, rate: number, apiLatencyMs = 0): Promise<PhaseResult> => {
    const fault = apiLatencyMs > 0 ? h.driver.injectFault({ method: "*", kind: "latency", latencyMs: apiLatencyMs }) : undefined
    const mark = h.driver.mark()
    const lastId = await lastDecisionId(h)
    recorder.clear()
    const openedBefore = redisOpenCount()
    const profile = await profilePhase(label)
    const cpu = process.cpuUsage()
    const sent = await sendPlan(h.driver, plan, rate)
    const complete = await waitFor(async () => (await decisionsAfter(h, lastId)) >= sent.sent, 90_000)
    const used = process.cpuUsage(cpu)
    await profile()
    await sleep(200 + 3 * apiLatencyMs)
    if (fault !== undefined) h.driver.clearFaults("*")
    const rows = await h.query<{ correlationId: string | null; cached: boolean | null; latencyMs: number | null; atMs: number }>(
      `SELECT correlation_id, cached, latency_ms, (extract(epoch FROM at) * 1000)::float8 AS at_ms FROM verification_log WHERE id > ${lastId}`
    )
    if (!complete) process.stderr.write(`nezuko: ${rows.length} of ${sent.sent} decisions\n`)
    if (process.env.BENCH_BOT_DEBUG !== undefined) {
      const gcm = h.driver.calls({ after: mark, method: "getChatMember" })
      const kinds = new Map<string, number>()
      for (const c of gcm) {
        const k = `${String(c.params.chat_id).slice(0, 7)} ok=${String(c.ok)}`
        kinds.set(k, (kinds.get(k) ?? 0) + 1)
      }
      process.stderr.write(`nezuko getChatMember: ${JSON.stringify([...kinds])}\n`)
    }
    const timing = spanLatencies(recorder.spans())
    const last = Math.max(...rows.map((r) => r.atMs))
    const seconds = (last - sent.startedAt) / 1000
    const joined = rows.map((r) => ({ ...r, timing: r.correlationId === null ? undefined : timing.get(r.correlationId) }))
    const timed = (cached: boolean) => joined.filter((r) => (r.cached === true) === cached && r.timing !== undefined)
    return {
      messages: plan.length, refused: sent.refused, unmuted: sent.unmuted, decisions: rows.length, seconds, decisionsPerSecond: rows.length / seconds,
      cpuMsPerDecision: (used.user + used.system) / 1000 / rows.length,
      ...callCounts(h.driver, mark, sent.startedAt),
      hit: latencies(timed(true).map((r) => r.timing?.engineMs ?? Number.NaN)),
      miss: latencies(timed(false).map((r) => r.timing?.engineMs ?? Number.NaN)),
      redisBreakerOpened: redisOpenCount() - openedBefore,
      hitFromUpdate: latencies(timed(true).map((r) => r.timing?.updateMs ?? Number.NaN)),
      hitLogged: latencies(joined.filter((r) => r.cached === true && r.latencyMs !== null).map((r) => r.latencyMs ?? 0))
    }
  }
  try {
    const warmup = await phase("warmup", warmupPlan(w), settings.ratePerSecond)
    liftMutes(h.driver, w)
    const steady = await phase("steady", steadyPlan(w, settings.steadyMessages), settings.ratePerSecond)
    const paced = await phase("paced", steadyPlan(w, settings.pacedMessages, 7), settings.pacedRate)
    liftMutes(h.driver, w)
    const latent = await phase("latent", steadyPlan(w, settings.latencyMessages, 11), settings.ratePerSecond, settings.apiLatencyMs)
    return { warmup, steady, paced, latent }
  } finally {
    await h.close()
  }
}

// ── Nezuko's intake alone ────────────────────────────────────────────────────

export interface FloorResult {
  readonly updates: number
  readonly updatesPerSecond: number
  readonly cpuMsPerUpdate: number
}

/**
 * The intake floor: Nezuko's process graph with no feature installed (`makeBotLive([])`), so an update costs
 * only what every update costs whatever it is — getUpdates, the batch's `upd:` MGET and its pipelined `upd:`
 * marks (BOT-3), the update's fiber and span, grammY's dispatch to the "unhandled" fallback and that handler's
 * effect, the offset confirmed after handling (OPS-9). Pass A's stream after a warm-up pass, as for the bots.
 * No feature set can be faster, so floor ÷ plain bounds what pass A's ratio can reach while the intake keeps
 * these guarantees.
 */
const runFloor = async (runId: string): Promise<FloorResult> => {
  const { h, recorder, w } = await startBenchNezuko(`nzbench:${runId}:floor:`, new Set(["Bot.processUpdate"]), makeBotLive([]))
  const pass = async (label: string, plan: ReadonlyArray<PlannedMessage>): Promise<FloorResult> => {
    recorder.clear()
    const ended = () => recorder.spans().filter((span) => span.end !== undefined)
    const profile = await profilePhase(label)
    const cpu = process.cpuUsage()
    const sent = await sendPlan(h.driver, plan, settings.ratePerSecond)
    const complete = await waitFor(() => ended().length >= sent.sent, 60_000)
    const used = process.cpuUsage(cpu)
    await profile()
    const done = ended()
    if (!complete) process.stderr.write(`intake floor: ${done.length} of ${sent.sent} updates\n`)
    // Span times are the fiber clock's epoch nanoseconds.
    const last = Math.max(...done.map((span) => Number((span.end ?? 0n) / 1_000_000n)))
    return {
      updates: done.length,
      updatesPerSecond: done.length / ((last - sent.startedAt) / 1000),
      cpuMsPerUpdate: (used.user + used.system) / 1000 / done.length
    }
  }
  try {
    await pass("floor-warmup", warmupPlan(w))
    return await pass("floor", steadyPlan(w, settings.steadyMessages))
  } finally {
    await h.close()
  }
}

// ── Nezuko counted ───────────────────────────────────────────────────────────

export interface CountedResult {
  readonly opsPerDecision: number
  readonly fibersPerDecision: number
  /** The same stream through the intake alone (no features), per update. */
  readonly intakeOpsPerUpdate: number
  readonly intakeFibersPerUpdate: number
  /** A's Effect operations per decision by the span they ran in (BENCH_BOT_OPS_BY_SPAN=1). */
  readonly opsBySpan: ReadonlyMap<string, number>
}

interface Counts {
  readonly ops: number
  readonly fibers: number
  readonly bySpan: ReadonlyMap<string, number>
}

/**
 * C's and A's streams once more with every fiber start and Effect operation counted (not timed): through
 * Nezuko's whole graph (per decision), then through the intake alone (per update), so the rows show what the
 * intake and what the features take.
 */
const runCounted = async (runId: string): Promise<CountedResult> => {
  // `arrived` starts a count of what the pass has finished (decisions, or the `spans` it keeps that ended).
  const countPasses = async (label: string, bot: typeof BotLive | undefined, spans: ReadonlySet<string>, arrived: (h: BotHarness, ended: () => ReadonlyArray<SpanRecord>) => Promise<() => Promise<number>>): Promise<Counts> => {
    const counter = makeEffectCounter({ bySpan: settings.opsBySpan })
    const { h, w, recorder } = await startBenchNezuko(`nzbench:${runId}:${label}:`, spans, bot, counter.layer)
    const pass = async (plan: ReadonlyArray<PlannedMessage>): Promise<Counts> => {
      const count = await arrived(h, () => recorder.spans().filter((span) => span.end !== undefined))
      const from = counter.read()
      const sent = await sendPlan(h.driver, plan, settings.ratePerSecond)
      if (!(await waitFor(async () => (await count()) >= sent.sent, 90_000))) process.stderr.write(`counted pass (${label}): not everything arrived\n`)
      const to = counter.read()
      const bySpan = new Map([...to.bySpan].map(([name, n]) => [name, (n - (from.bySpan.get(name) ?? 0)) / sent.sent]))
      return { ops: (to.ops - from.ops) / sent.sent, fibers: (to.fibers - from.fibers) / sent.sent, bySpan }
    }
    try {
      await pass(warmupPlan(w))
      liftMutes(h.driver, w)
      return await pass(steadyPlan(w, settings.steadyMessages))
    } finally {
      await h.close()
    }
  }
  const engine = await countPasses("counted", undefined, new Set(), async (h) => {
    const lastId = await lastDecisionId(h)
    return () => decisionsAfter(h, lastId)
  })
  const intake = await countPasses("counted-intake", makeBotLive([]), new Set(["Bot.processUpdate"]), async (_h, ended) => {
    const before = ended().length
    return async () => ended().length - before
  })
  return { opsPerDecision: engine.ops, fibersPerDecision: engine.fibers, intakeOpsPerUpdate: intake.ops, intakeFibersPerUpdate: intake.fibers, opsBySpan: engine.bySpan }
}

// ── report ───────────────────────────────────────────────────────────────────

interface BotResult {
  readonly warmup: PhaseResult
  readonly steady: PhaseResult
  readonly paced: PhaseResult
  readonly latent: PhaseResult
}

interface RunResult {
  readonly plain: BotResult
  readonly nezuko: BotResult
  readonly floor: FloorResult
  readonly counted: CountedResult
  readonly load: readonly [number, number]
}

const spread = (values: ReadonlyArray<number>, digits = 2) =>
  `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})`

/** A's counted Effect operations per decision by the span they ran in, largest first. */
const opsBySpanTable = (runs: ReadonlyArray<RunResult>) => {
  const names = [...new Set(runs.flatMap((r) => [...r.counted.opsBySpan.keys()]))]
  const rows = names
    .map((name) => [name, median(runs.map((r) => r.counted.opsBySpan.get(name) ?? 0))] as const)
    .filter(([, n]) => n >= 0.05)
    .sort((a, b) => b[1] - a[1])
  return textTable(["span (A, counted pass)", "Effect operations per decision"], rows.map(([name, n]) => [name, fmt(n, 1)]))
}

const report = (runs: ReadonlyArray<RunResult>) => {
  const m = (f: (r: RunResult) => number, digits = 2) => spread(runs.map(f), digits)
  const both = (f: (b: BotResult) => number, digits = 2) => [m((r) => f(r.plain), digits), m((r) => f(r.nezuko), digits)]
  const ratio = (r: RunResult) => r.nezuko.steady.decisionsPerSecond / r.plain.steady.decisionsPerSecond
  const latentRatio = (r: RunResult) => r.nezuko.latent.decisionsPerSecond / r.plain.latent.decisionsPerSecond
  const perMessage = (x: PhaseResult, n: number) => n / x.decisions
  const rows: Array<Array<string>> = [
    [`A. capacity (offered ${settings.ratePerSecond}/s): decisions/s`, ...both((b) => b.steady.decisionsPerSecond, 0), m(ratio), "≥ 1.5×"],
    ["A. CPU ms per decision (whole process, sandbox included)", ...both((b) => b.steady.cpuMsPerDecision, 2), m((r) => r.nezuko.steady.cpuMsPerDecision / r.plain.steady.cpuMsPerDecision), ""],
    ["A. Nezuko's intake alone (no features): updates/s", "", m((r) => r.floor.updatesPerSecond, 0), m((r) => r.floor.updatesPerSecond / r.plain.steady.decisionsPerSecond), ""],
    ["A. intake alone: CPU ms per update", "", m((r) => r.floor.cpuMsPerUpdate, 2), "", ""],
    ["A. Effect operations per decision (counted pass)", "", m((r) => r.counted.opsPerDecision, 0), "", ""],
    ["A. fibers started per decision (counted pass)", "", m((r) => r.counted.fibersPerDecision, 2), "", ""],
    ["A. intake alone: Effect operations per update (counted)", "", m((r) => r.counted.intakeOpsPerUpdate, 0), "", ""],
    ["A. intake alone: fibers started per update (counted)", "", m((r) => r.counted.intakeFibersPerUpdate, 2), "", ""],
    ["A. getChatMember calls per message", ...both((b) => perMessage(b.steady, b.steady.getChatMember), 3), "", "≤ 0.05"],
    ["A. Bot API calls per message (all but getUpdates)", ...both((b) => perMessage(b.steady, b.steady.apiCalls), 3), "", ""],
    ["A. prompts sent per second", ...both((b) => b.steady.prompts / b.steady.seconds, 1), "", ""],
    ["A. redis breaker opened (cache fell back to memory)", "", m((r) => r.nezuko.steady.redisBreakerOpened ?? Number.NaN, 0), "", ""],
    ["A. cache-hit decision p50 / p99 ms (saturated)", ...both((b) => b.steady.hit.p50, 2).map((v, i) => `${v} / ${both((x) => x.steady.hit.p99, 1)[i] ?? ""}`), "", ""],
    [`B. paced ${settings.pacedRate}/s: cache-hit decision p50 ms`, ...both((b) => b.paced.hit.p50, 3), "", ""],
    ["B. cache-hit decision p95 ms", ...both((b) => b.paced.hit.p95, 3), "", ""],
    ["B. cache-hit decision p99 ms", ...both((b) => b.paced.hit.p99, 3), "", "≤ 2 ms"],
    ["B. cache-hit p99 ms from Bot.processUpdate start", "", m((r) => r.nezuko.paced.hitFromUpdate?.p99 ?? Number.NaN, 3), "", ""],
    ["B. cache-hit p99 of verification_log.latency_ms", "", m((r) => r.nezuko.paced.hitLogged?.p99 ?? Number.NaN, 0), "", ""],
    ["B. getChatMember calls per message", ...both((b) => perMessage(b.paced, b.paced.getChatMember), 3), "", "≤ 0.05"],
    ["B. redis breaker opened", "", m((r) => r.nezuko.paced.redisBreakerOpened ?? Number.NaN, 0), "", ""],
    [`D. ${settings.apiLatencyMs} ms per Bot API call (offered ${settings.ratePerSecond}/s): decisions/s`, ...both((b) => b.latent.decisionsPerSecond, 0), m(latentRatio), "≥ 1.5×"],
    ["D. cache-hit decision p50 / p99 ms", ...both((b) => b.latent.hit.p50, 2).map((v, i) => `${v} / ${both((x) => x.latent.hit.p99, 1)[i] ?? ""}`), "", ""],
    ["D. CPU ms per decision", ...both((b) => b.latent.cpuMsPerDecision, 2), "", ""],
    [`C. warm-up (offered ${settings.ratePerSecond}/s): decisions/s`, ...both((b) => b.warmup.decisionsPerSecond, 0), m((r) => r.nezuko.warmup.decisionsPerSecond / r.plain.warmup.decisionsPerSecond), ""],
    ["C. prompts sent per second", ...both((b) => b.warmup.prompts / b.warmup.seconds, 1), "", ""],
    ["C. getChatMember calls per message", ...both((b) => perMessage(b.warmup, b.warmup.getChatMember), 3), "", ""],
    ["C. redis breaker opened", "", m((r) => r.nezuko.warmup.redisBreakerOpened ?? Number.NaN, 0), "", ""],
    ["C. cache-miss decision p50 ms", ...both((b) => b.warmup.miss.p50, 2), "", ""],
    ["C. cache-miss decision p95 ms", ...both((b) => b.warmup.miss.p95, 2), "", ""],
    ["C. cache-miss decision p99 ms", ...both((b) => b.warmup.miss.p99, 2), "", ""]
  ]
  const lines = [
    "",
    `Bot benchmark: ${settings.world.groups} groups × 1 channel, ${settings.world.users} users (80 % members / 20 % non-members); ` +
    `C warm-up ${runs[0]?.nezuko.warmup.messages ?? 0} messages (all misses), A ${settings.steadyMessages} messages offered at ${settings.ratePerSecond}/s, ` +
    `B ${settings.pacedMessages} messages at ${settings.pacedRate}/s, D ${settings.latencyMessages} messages at ${settings.ratePerSecond}/s with ${settings.apiLatencyMs} ms added to every Bot API call ` +
    `(A, B, D: cache warm). ${runs.length} run(s): median (min–max).`,
    `Load average (1 min) per run, start→end: ${runs.map((r) => `${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)}`).join(", ")}; ${cpus().length} cores.`,
    "",
    textTable(["metric", "plain grammY+ioredis", "Nezuko", "Nezuko/plain", "target"], rows),
    "",
    ...(settings.opsBySpan ? [opsBySpanTable(runs), ""] : []),
    textTable(
      ["run", "plain dec/s", "Nezuko dec/s", "ratio", "D ratio", "Nezuko B hit p99 ms", "Nezuko A gCM/msg", "decisions plain / Nezuko", "re-unmuted plain / Nezuko"],
      runs.map((r, i) => [String(i + 1), fmt(r.plain.steady.decisionsPerSecond, 0), fmt(r.nezuko.steady.decisionsPerSecond, 0), fmt(ratio(r)), fmt(latentRatio(r)),
        fmt(r.nezuko.paced.hit.p99, 3), fmt(perMessage(r.nezuko.steady, r.nezuko.steady.getChatMember), 3),
        `${r.plain.warmup.decisions}+${r.plain.steady.decisions}+${r.plain.paced.decisions} / ${r.nezuko.warmup.decisions}+${r.nezuko.steady.decisions}+${r.nezuko.paced.decisions}`,
        `${r.plain.steady.unmuted + r.plain.paced.unmuted} / ${r.nezuko.steady.unmuted + r.nezuko.paced.unmuted}`])
    ),
    ""
  ]
  process.stdout.write(`${lines.join("\n")}\n`)
  const ratioMedian = median(runs.map(ratio))
  const latentMedian = median(runs.map(latentRatio))
  const p99 = median(runs.map((r) => r.nezuko.paced.hit.p99))
  const gcm = median(runs.map((r) => perMessage(r.nezuko.steady, r.nezuko.steady.getChatMember)))
  const perMinute = median(runs.map((r) => r.nezuko.steady.decisionsPerSecond * 60))
  return [
    { bench: "bot", metric: "Nezuko / plain bot decisions per second, loopback (A)", value: ratioMedian, unit: "×", target: "≥ 1.5", ok: ratioMedian >= 1.5 },
    { bench: "bot", metric: `Nezuko / plain bot decisions per second, ${settings.apiLatencyMs} ms API (D)`, value: latentMedian, unit: "×", target: "≥ 1.5", ok: latentMedian >= 1.5 },
    { bench: "bot", metric: "cache-hit decision p99 (B)", value: p99, unit: "ms", target: "≤ 2", ok: p99 <= 2 },
    { bench: "bot", metric: "getChatMember calls per message (A)", value: gcm, unit: "calls", target: "≤ 0.05", ok: gcm <= 0.05 },
    { bench: "bot", metric: "decisions per minute sustained (A)", value: perMinute, unit: "/min", target: "≥ 1000", ok: perMinute >= 1000 }
  ] satisfies ReadonlyArray<BenchRow>
}

export const runBotBench = async (): Promise<ReadonlyArray<BenchRow>> => {
  const runs: Array<RunResult> = []
  for (let i = 0; i < settings.runs; i++) {
    const runId = `${Date.now().toString(36)}${i}`
    const before = loadavg()[0] ?? 0
    // Alternate the order so neither bot always runs on a warmer (or busier) machine.
    const first = i % 2 === 0 ? await runPlain(runId) : await runNezuko(runId)
    const second = i % 2 === 0 ? await runNezuko(runId) : await runPlain(runId)
    const [plain, nezuko] = i % 2 === 0 ? [first, second] : [second, first]
    const floor = await runFloor(runId)
    const load: readonly [number, number] = [before, loadavg()[0] ?? 0]
    const counted = await runCounted(runId)
    runs.push({ plain, nezuko, floor, counted, load })
    process.stderr.write(
      `bot bench run ${i + 1}/${settings.runs}: plain ${fmt(plain.steady.decisionsPerSecond, 0)}/s, Nezuko ${fmt(nezuko.steady.decisionsPerSecond, 0)}/s, ` +
        `intake alone ${fmt(floor.updatesPerSecond, 0)}/s\n`
    )
  }
  return report(runs)
}

export const botBench: Effect.Effect<ReadonlyArray<BenchRow>, unknown> = Effect.tryPromise(runBotBench)
