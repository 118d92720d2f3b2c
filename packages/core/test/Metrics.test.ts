import { it } from "@effect/vitest"
import { Effect, Metric, MetricBoundaries } from "effect"
import { expect } from "vitest"
import { renderPrometheus, taggedBy, updateMetrics } from "../src/Metrics.js"

it.effect("renders counters as counters, gauges, and histograms with cumulative le buckets", () =>
  Effect.gen(function* () {
    const calls = Metric.counter("test_calls_total", { description: "Calls", incremental: true })
    const depth = Metric.gauge("test_queue_depth")
    const latency = Metric.histogram("test_latency_seconds", MetricBoundaries.fromIterable([0.1, 1]))
    yield* Metric.increment(Metric.tagged(Metric.tagged(calls, "method", "getChatMember"), "outcome", "ok"))
    yield* Metric.increment(Metric.tagged(Metric.tagged(calls, "method", "getChatMember"), "outcome", "ok"))
    yield* Metric.set(Metric.tagged(depth, "priority", "p0"), 3)
    for (const v of [0.05, 0.5, 2]) yield* Metric.update(latency, v)
    const text = yield* renderPrometheus
    expect(text).toContain("# TYPE test_calls_total counter")
    expect(text).toContain('test_calls_total{method="getChatMember",outcome="ok"} 2')
    expect(text).toContain("# TYPE test_queue_depth gauge")
    expect(text).toContain('test_queue_depth{priority="p0"} 3')
    expect(text).toContain("# TYPE test_latency_seconds histogram")
    expect(text).toContain('test_latency_seconds_bucket{le="0.1"} 1')
    expect(text).toContain('test_latency_seconds_bucket{le="1"} 2')
    expect(text).toContain('test_latency_seconds_bucket{le="+Inf"} 3')
    expect(text).toContain("test_latency_seconds_count 3")
    expect(text).toMatch(/^test_latency_seconds_sum 2\.55/m)
  }))

it.effect("a counter declared without incremental is exported as a gauge (the STACK.md pitfall, made visible)", () =>
  Effect.gen(function* () {
    yield* Metric.increment(Metric.counter("test_not_incremental"))
    expect(yield* renderPrometheus).toContain("# TYPE test_not_incremental gauge")
  }))

it.effect("label values are escaped", () =>
  Effect.gen(function* () {
    yield* Metric.set(Metric.tagged(Metric.gauge("test_escape"), "text", 'a"b\\c'), 1)
    expect(yield* renderPrometheus).toContain('test_escape{text="a\\"b\\\\c"} 1')
  }))

it.effect("taggedBy feeds the same series as nested Metric.tagged, with the fiber's own metric labels after its own", () =>
  Effect.gen(function* () {
    const calls = Metric.counter("test_tagged_by_total", { incremental: true })
    const latency = Metric.histogram("test_tagged_by_seconds", MetricBoundaries.fromIterable([1]))
    const callsBy = taggedBy(calls, "method", "outcome")
    yield* Metric.increment(Metric.tagged(Metric.tagged(calls, "method", "send"), "outcome", "ok"))
    yield* Metric.increment(callsBy("send", "ok"))
    yield* Metric.increment(callsBy("send", "ok"))
    yield* Metric.increment(callsBy("send", "error"))
    yield* Metric.update(taggedBy(latency, "cached")("true"), 0.5)
    yield* Metric.increment(callsBy("send", "ok")).pipe(Effect.tagMetrics("replica", "a"))
    expect(yield* Metric.value(Metric.tagged(Metric.tagged(calls, "method", "send"), "outcome", "ok"))).toEqual(yield* Metric.value(callsBy("send", "ok")))
    const text = yield* renderPrometheus
    expect(text).toContain('test_tagged_by_total{method="send",outcome="ok"} 3')
    expect(text).toContain('test_tagged_by_total{method="send",outcome="error"} 1')
    expect(text).toContain('test_tagged_by_total{method="send",outcome="ok",replica="a"} 1')
    expect(text).toContain('test_tagged_by_seconds_count{cached="true"} 1')
  }))

it.effect("updateMetrics records what Metric.increment, Metric.set and Metric.update would, fiber labels included", () =>
  Effect.gen(function* () {
    const calls = Metric.counter("test_update_metrics_total", { incremental: true })
    const depth = Metric.gauge("test_update_metrics_depth")
    const latency = Metric.histogram("test_update_metrics_seconds", MetricBoundaries.fromIterable([1]))
    const callsBy = taggedBy(calls, "outcome")
    yield* updateMetrics([[callsBy("ok"), 1], [callsBy("ok"), 1], [depth, 7], [latency, 0.5]])
    yield* updateMetrics([[callsBy("ok"), 1], [depth, 4]]).pipe(Effect.tagMetrics("replica", "a"))
    expect((yield* Metric.value(callsBy("ok"))).count).toBe(2)
    const text = yield* renderPrometheus
    expect(text).toContain('test_update_metrics_total{outcome="ok"} 2')
    expect(text).toContain('test_update_metrics_total{outcome="ok",replica="a"} 1')
    expect(text).toContain("test_update_metrics_depth 7")
    expect(text).toContain('test_update_metrics_depth{replica="a"} 4')
    expect(text).toContain("test_update_metrics_seconds_count 1")
  }))
