import { monitorEventLoopDelay } from "node:perf_hooks"
import { Array as Arr, Duration, Effect, type Fiber, FiberRef, Metric, MetricBoundaries, MetricKeyType, MetricLabel, MetricState } from "effect"
import { commit, version } from "./Version.js"

// The OPS-5 metrics the foundation owns; feature services declare theirs next to the code that records them.
// Counters are declared incremental, or they would be exported as gauges (STACK.md §11).
const secondsBuckets = MetricBoundaries.fromIterable([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5])

export const buildInfo = Metric.gauge("nezuko_build_info", { description: "Always 1; labels carry the version" })
export const dependencyUp = Metric.gauge("nezuko_dependency_up", { description: "1 when the dependency answered its last probe" })
export const httpRequests = Metric.counter("nezuko_http_requests_total", { description: "HTTP requests served", incremental: true })
export const httpDuration = Metric.histogram("nezuko_http_request_duration_seconds", secondsBuckets, "HTTP request duration")

/** Records a duration in seconds on a histogram declared in seconds. */
export const observeSeconds = (histogram: Metric.Metric.Histogram<number>, duration: Duration.Duration) =>
  Metric.update(histogram, Duration.toMillis(duration) / 1000)

/**
 * `Metric.tagged` hands the metric a fresh label array on every update, and the metric caches its registry
 * entry by that array's identity: each update built, formatted and hashed a new metric key (1.5 % of the
 * bot benchmark's CPU profile). Here each label combination gets one array,
 * made once, so the registry entry is looked up once. Same labels in the same order as nested
 * `Metric.tagged(metric, label, value)` calls, so the exported series are unchanged.
 */
export const taggedBy = <M extends Metric.Metric<any, any, any>>(metric: M, ...labels: ReadonlyArray<string>) => {
  const made = new Map<string, M>()
  return (...values: ReadonlyArray<string>): M => {
    const id = values.join("\u0000")
    let m = made.get(id)
    if (m === undefined) {
      const fixed = labels.map((label, i) => MetricLabel.make(label, values[i] ?? ""))
      const withFixed = (extra: ReadonlyArray<MetricLabel.MetricLabel>) => (extra.length === 0 ? fixed : Arr.union(fixed, extra))
      m = Metric.make(
        metric.keyType,
        (input: unknown, extra) => metric.unsafeUpdate(input, withFixed(extra)),
        (extra) => metric.unsafeValue(withFixed(extra)),
        (input: unknown, extra) => metric.unsafeModify(input, withFixed(extra))
      ) as unknown as M
      made.set(id, m)
    }
    return m
  }
}

/** A metric and what to record on it: 1 to increment a counter, the value for a gauge or a histogram. */
export type MetricInput = readonly [Metric.Metric<any, number, any>, number]

/** `updateMetrics` for code already running in `Effect.withFiberRuntime`. */
export const unsafeUpdateMetrics = (fiber: Fiber.RuntimeFiber<unknown, unknown>, updates: ReadonlyArray<MetricInput>) => {
  const labels = fiber.getFiberRef(FiberRef.currentMetricLabels)
  for (const [metric, input] of updates) metric.unsafeUpdate(input, labels)
}

/**
 * Several metric updates, with the fiber's metric labels as `Metric.update` applies them, in one Effect step:
 * `Metric.update` and `Metric.increment` take two steps each plus the steps that chain them, and a group
 * message records about seven (the bot benchmark's counted pass).
 */
export const updateMetrics = (updates: ReadonlyArray<MetricInput>): Effect.Effect<void> =>
  Effect.withFiberRuntime((fiber) => {
    unsafeUpdateMetrics(fiber, updates)
    return Effect.void
  })

export const recordBuildInfo = Metric.set(Metric.tagged(Metric.tagged(buildInfo, "version", version), "commit", commit), 1)

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, "\\\"")
const labels = (tags: ReadonlyArray<{ readonly key: string; readonly value: string }>, extra?: [string, string]) => {
  const all = extra ? [...tags.map((t) => [t.key, t.value] as const), extra] : tags.map((t) => [t.key, t.value] as const)
  return all.length === 0 ? "" : `{${all.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`
}
const num = (n: number | bigint) => (typeof n === "bigint" ? n.toString() : Number.isFinite(n) ? String(n) : n > 0 ? "+Inf" : "-Inf")

interface Family {
  type: "counter" | "gauge" | "histogram" | "summary"
  help: string
  lines: Array<string>
}

/** Prometheus text exposition (format 0.0.4) of every Effect metric, plus the process metrics. */
export const renderPrometheus = Effect.map(Metric.snapshot, (pairs) => {
  const families = new Map<string, Family>()
  const family = (name: string, type: Family["type"], help: string | undefined) => {
    let f = families.get(name)
    if (!f) families.set(name, (f = { type, help: help ?? name, lines: [] }))
    return f
  }
  for (const { metricKey: key, metricState: state } of pairs) {
    const name = key.name
    if (MetricState.isCounterState(state)) {
      family(name, MetricKeyType.isCounterKey(key.keyType) && !key.keyType.incremental ? "gauge" : "counter", key.description._tag === "Some" ? key.description.value : undefined)
        .lines.push(`${name}${labels(key.tags)} ${num(state.count)}`)
    } else if (MetricState.isGaugeState(state)) {
      family(name, "gauge", key.description._tag === "Some" ? key.description.value : undefined).lines.push(`${name}${labels(key.tags)} ${num(state.value)}`)
    } else if (MetricState.isHistogramState(state)) {
      const f = family(name, "histogram", key.description._tag === "Some" ? key.description.value : undefined)
      // Effect keeps cumulative counts per upper bound, which is exactly Prometheus' `le` semantics.
      for (const [bound, count] of state.buckets) {
        if (Number.isFinite(bound)) f.lines.push(`${name}_bucket${labels(key.tags, ["le", String(bound)])} ${count}`)
      }
      f.lines.push(`${name}_bucket${labels(key.tags, ["le", "+Inf"])} ${state.count}`)
      f.lines.push(`${name}_sum${labels(key.tags)} ${num(state.sum)}`)
      f.lines.push(`${name}_count${labels(key.tags)} ${state.count}`)
    } else if (MetricState.isFrequencyState(state)) {
      const f = family(name, "counter", key.description._tag === "Some" ? key.description.value : undefined)
      for (const [value, count] of state.occurrences) f.lines.push(`${name}${labels(key.tags, ["value", value])} ${count}`)
    } else if (MetricState.isSummaryState(state)) {
      const f = family(name, "summary", key.description._tag === "Some" ? key.description.value : undefined)
      for (const [q, value] of state.quantiles) {
        if (value._tag === "Some") f.lines.push(`${name}${labels(key.tags, ["quantile", String(q)])} ${value.value}`)
      }
      f.lines.push(`${name}_sum${labels(key.tags)} ${num(state.sum)}`)
      f.lines.push(`${name}_count${labels(key.tags)} ${state.count}`)
    }
  }
  const out: Array<string> = []
  for (const [name, f] of [...families].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`# HELP ${name} ${f.help.replace(/\n/g, " ")}`, `# TYPE ${name} ${f.type}`, ...f.lines)
  }
  return out.join("\n") + "\n" + processMetrics()
})

const eventLoop = monitorEventLoopDelay({ resolution: 20 })
eventLoop.enable()
const startedAt = Date.now() / 1000 - process.uptime()

// The process metrics Prometheus' Node.js clients export by convention (prom-client names).
const processMetrics = () => {
  const cpu = process.cpuUsage()
  const memory = process.memoryUsage()
  const lines = [
    ["process_cpu_user_seconds_total", "counter", "User CPU time", cpu.user / 1e6],
    ["process_cpu_system_seconds_total", "counter", "System CPU time", cpu.system / 1e6],
    ["process_resident_memory_bytes", "gauge", "Resident memory", memory.rss],
    ["process_start_time_seconds", "gauge", "Start time since the epoch", Math.round(startedAt)],
    ["nodejs_heap_size_used_bytes", "gauge", "V8 heap used", memory.heapUsed],
    ["nodejs_heap_size_total_bytes", "gauge", "V8 heap total", memory.heapTotal],
    ["nodejs_eventloop_lag_p99_seconds", "gauge", "Event loop delay p99", eventLoop.percentile(99) / 1e9]
  ] as const
  return lines.map(([name, type, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`).join("")
}
