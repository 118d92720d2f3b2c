import { Clock, Duration, Effect, Metric, Ref } from "effect"
import { AppConfig } from "./AppConfig.js"
import { dependencyUp } from "./Metrics.js"
import { version } from "./Version.js"

export interface ProbeResult {
  readonly status: "up" | "down" | "not_configured"
  readonly latency_ms?: number
  readonly error?: string
  readonly [detail: string]: unknown
}

interface Probe {
  readonly run: Effect.Effect<ProbeResult>
  /** A critical probe that fails makes the process not ready (503); any other only "degraded". */
  readonly critical: boolean
}

export type HealthStatus = "healthy" | "degraded" | "unhealthy"

export interface ReadinessReport {
  readonly status: HealthStatus
  readonly ready: boolean
  readonly version: string
  readonly instance: string
  readonly uptime_s: number
  readonly mode: string
  readonly pending: ReadonlyArray<string>
  readonly checks: Record<string, ProbeResult | unknown>
}

const probeTimeout = Duration.seconds(1)

/** Times a probe, bounds it to 1 s and turns any failure into "down" with the reason (OPS-4). */
export const timedProbe = <E>(check: Effect.Effect<unknown, E>): Effect.Effect<ProbeResult> =>
  Effect.gen(function* () {
    const start = yield* Clock.currentTimeMillis
    const outcome = yield* check.pipe(Effect.timeoutFail({ duration: probeTimeout, onTimeout: () => "timed out after 1 s" }), Effect.either)
    const latency_ms = (yield* Clock.currentTimeMillis) - start
    if (outcome._tag === "Right") return { status: "up", latency_ms }
    const error = outcome.left
    return { status: "down", latency_ms, error: typeof error === "string" ? error : error instanceof Error ? error.message : String(error) }
  })

/**
 * What /readyz reports: the probes components register (database, Redis, Telegram, breakers…), the roles
 * still starting, and whether shutdown has begun.
 */
export class Health extends Effect.Service<Health>()("@nezuko/core/Health", {
  effect: Effect.gen(function* () {
    const config = yield* AppConfig
    const probes = yield* Ref.make(new Map<string, Probe>())
    const info = yield* Ref.make(new Map<string, unknown>())
    const starting = yield* Ref.make(new Set<string>())
    const shuttingDown = yield* Ref.make(false)
    const startedAt = yield* Clock.currentTimeMillis
    const mode = yield* Ref.make<string>(config.sandboxMode ? "sandbox" : "telegram")

    const report = Effect.gen(function* () {
      const entries = [...(yield* Ref.get(probes))]
      const results = yield* Effect.forEach(entries, ([name, probe]) =>
        Effect.tap(probe.run, (r) =>
          r.status === "not_configured"
            ? Effect.void
            : Metric.set(Metric.tagged(dependencyUp, "dependency", name), r.status === "up" ? 1 : 0)), { concurrency: "unbounded" })
      const pending = [...(yield* Ref.get(starting))]
      const stopping = yield* Ref.get(shuttingDown)
      const criticalDown = entries.some(([, p], i) => p.critical && results[i]?.status === "down")
      const otherDown = entries.some(([, p], i) => !p.critical && results[i]?.status === "down")
      const ready = !criticalDown && pending.length === 0 && !stopping
      const status: HealthStatus = !ready ? "unhealthy" : otherDown ? "degraded" : "healthy"
      const checks: Record<string, unknown> = Object.fromEntries(entries.map(([name], i) => [name, results[i]]))
      for (const [key, value] of yield* Ref.get(info)) checks[key] = value
      const report: ReadinessReport = {
        status,
        ready,
        version,
        instance: config.instanceId,
        uptime_s: Math.round(((yield* Clock.currentTimeMillis) - startedAt) / 1000),
        mode: yield* Ref.get(mode),
        pending,
        checks
      }
      return report
    })

    return {
      report,
      addProbe: (name: string, run: Effect.Effect<ProbeResult>, options: { readonly critical: boolean }) =>
        Ref.update(probes, (m) => new Map(m).set(name, { run, critical: options.critical })),
      /** Extra facts shown under checks (breaker states, queue depths, jobs). */
      setInfo: (name: string, value: unknown) => Ref.update(info, (m) => new Map(m).set(name, value)),
      setMode: (value: string) => Ref.set(mode, value),
      starting: (component: string) => Ref.update(starting, (s) => new Set(s).add(component)),
      ready: (component: string) =>
        Ref.update(starting, (s) => {
          const next = new Set(s)
          next.delete(component)
          return next
        }),
      beginShutdown: Ref.set(shuttingDown, true)
    } as const
  }),
  dependencies: [AppConfig.Default]
}) {}
