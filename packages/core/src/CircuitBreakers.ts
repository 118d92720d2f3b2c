import { AlertRepo } from "@nezuko/db"
import { Cause, Clock, Duration, Effect, Exit, Layer, Metric, Option, Schedule, Schema, SynchronizedRef } from "effect"
import { AppConfig } from "./AppConfig.js"
import { Health } from "./Health.js"

// Effect 3 ships no circuit breaker (Schedule, Pool and RateLimiter only; @effect/experimental has none either),
// so this is our own small one (CONVENTIONS §9), with the LIM-12 rules.

export class CircuitOpen extends Schema.TaggedError<CircuitOpen>()("CircuitOpen", { breaker: Schema.String }) {
  override get message() {
    return `The ${this.breaker} circuit breaker is open`
  }
}

export const BreakerNames = ["telegram", "redis", "postgres"] as const
export type BreakerName = (typeof BreakerNames)[number]

export interface BreakerPolicy {
  /** Consecutive failures that open the breaker. */
  readonly failures: number
  readonly openFor: Duration.Duration
  /** A failed half-open trial doubles the open time, up to this. */
  readonly maxOpenFor: Duration.Duration
  /** Consecutive half-open successes that close it. */
  readonly successesToClose: number
}

/** `since`: when the breaker last left `closed` (half-open trials do not restart it). */
export type BreakerState =
  | { readonly _tag: "closed"; readonly failures: number }
  | { readonly _tag: "open"; readonly until: number; readonly openForMs: number; readonly since: number }
  | { readonly _tag: "half_open"; readonly successes: number; readonly trialInFlight: boolean; readonly openForMs: number; readonly since: number }

const stateValue = { closed: 0, half_open: 1, open: 2 } as const
export const circuitState = Metric.gauge("nezuko_circuit_state", { description: "0 closed, 1 half-open, 2 open" })
export const circuitTransitions = Metric.counter("nezuko_circuit_transitions_total", {
  description: "Circuit breaker state changes",
  incremental: true
})

/** Named breakers `telegram`, `redis`, `postgres` (LIM-12): closed → open → half-open → closed. */
export class CircuitBreakers extends Effect.Service<CircuitBreakers>()("@nezuko/core/CircuitBreakers", {
  effect: Effect.gen(function* () {
    const config = yield* AppConfig
    const health = yield* Health
    const max = Duration.minutes(5)
    const policies: Record<BreakerName, BreakerPolicy> = {
      telegram: { failures: config.breakerTelegramFailures, openFor: config.breakerTelegramOpen, maxOpenFor: max, successesToClose: 2 },
      redis: { failures: config.breakerRedisFailures, openFor: config.breakerRedisOpen, maxOpenFor: max, successesToClose: 2 },
      postgres: { failures: config.breakerPostgresFailures, openFor: config.breakerPostgresOpen, maxOpenFor: max, successesToClose: 2 }
    }
    const states = yield* SynchronizedRef.make<Record<BreakerName, BreakerState>>({
      telegram: { _tag: "closed", failures: 0 },
      redis: { _tag: "closed", failures: 0 },
      postgres: { _tag: "closed", failures: 0 }
    })

    const publish = (all: Record<BreakerName, BreakerState>) =>
      health.setInfo("breakers", Object.fromEntries(BreakerNames.map((n) => [n, all[n]._tag])))
    yield* Effect.forEach(BreakerNames, (name) => Metric.set(Metric.tagged(circuitState, "breaker", name), 0))
    yield* publish(yield* SynchronizedRef.get(states))

    // Applies `next` to one breaker atomically; logs and records a change of state.
    const update = <A>(name: BreakerName, next: (s: BreakerState, now: number) => readonly [A, BreakerState]) =>
      SynchronizedRef.modifyEffect(states, (all) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const [result, state] = next(all[name], now)
          const updated = { ...all, [name]: state }
          if (state._tag !== all[name]._tag) {
            yield* Metric.set(Metric.tagged(circuitState, "breaker", name), stateValue[state._tag])
            yield* Metric.increment(Metric.tagged(Metric.tagged(circuitTransitions, "breaker", name), "to", state._tag))
            yield* publish(updated)
            yield* Effect.logWarning(`circuit breaker ${name}: ${all[name]._tag} → ${state._tag}`).pipe(
              Effect.annotateLogs({ event: "breaker.transition", breaker: name, from: all[name]._tag, to: state._tag })
            )
          }
          return [result, updated] as const
        }))

    const open = (now: number, openForMs: number, since = now): BreakerState => ({ _tag: "open", until: now + openForMs, openForMs, since })

    // The common case — closed, and a success while nothing has failed — changes nothing, so it only reads the
    // state: every guarded query and Telegram call passes here, and the synchronized update would serialize them.
    const quietlyClosed = (name: BreakerName) =>
      Effect.map(SynchronizedRef.get(states), (all) => {
        const s = all[name]
        return s._tag === "closed" && s.failures === 0
      })

    // "admit" | "trial" | "reject"; closed admits without changing anything.
    const admit = (name: BreakerName) =>
      Effect.flatMap(SynchronizedRef.get(states), (all) => all[name]._tag === "closed" ? Effect.succeed("admit" as const) : admitSlow(name))
    const admitSlow = (name: BreakerName) =>
      update(name, (s, now): readonly ["admit" | "trial" | "reject", BreakerState] => {
        switch (s._tag) {
          case "closed":
            return ["admit", s]
          case "open":
            return now < s.until ? ["reject", s] : ["trial", { _tag: "half_open", successes: 0, trialInFlight: true, openForMs: s.openForMs, since: s.since }]
          case "half_open":
            return s.trialInFlight ? ["reject", s] : ["trial", { ...s, trialInFlight: true }]
        }
      })

    const record = (name: BreakerName, outcome: "success" | "failure" | "interrupted") =>
      outcome === "failure"
        ? recordSlow(name, outcome)
        : Effect.flatMap(quietlyClosed(name), (quiet) => quiet ? Effect.void : recordSlow(name, outcome))
    const recordSlow = (name: BreakerName, outcome: "success" | "failure" | "interrupted") =>
      update(name, (s, now): readonly [void, BreakerState] => {
        const policy = policies[name]
        if (s._tag === "closed") {
          if (outcome === "interrupted") return [undefined, s]
          if (outcome === "success") return [undefined, { _tag: "closed", failures: 0 }]
          return [undefined, s.failures + 1 >= policy.failures ? open(now, Duration.toMillis(policy.openFor)) : { _tag: "closed", failures: s.failures + 1 }]
        }
        if (s._tag === "open") return [undefined, s]
        if (outcome === "interrupted") return [undefined, { ...s, trialInFlight: false }]
        if (outcome === "failure") return [undefined, open(now, Math.min(s.openForMs * 2, Duration.toMillis(policy.maxOpenFor)), s.since)]
        return [undefined, s.successes + 1 >= policy.successesToClose
          ? { _tag: "closed", failures: 0 }
          : { ...s, successes: s.successes + 1, trialInFlight: false }]
      })

    /**
     * Runs `effect` unless the breaker is open. Only errors for which `isFailure` holds count against the
     * breaker (a 4xx proves Telegram is up); defects always count.
     */
    const protect = <A, E, R>(name: BreakerName, effect: Effect.Effect<A, E, R>, isFailure: (error: E) => boolean = () => true) =>
      Effect.flatMap(admit(name), (decision): Effect.Effect<A, E | CircuitOpen, R> =>
        decision === "reject"
          ? Effect.fail(new CircuitOpen({ breaker: name }))
          : Effect.onExit(effect, (exit) =>
            record(
              name,
              Exit.isSuccess(exit)
                ? "success"
                : Exit.isInterrupted(exit)
                ? "interrupted"
                : Option.match(Option.flatMap(Exit.causeOption(exit), failureOf), {
                  onNone: () => "failure" as const,
                  onSome: (e) => (isFailure(e) ? "failure" as const : "success" as const)
                })
            )))

    const state = (name: BreakerName) => Effect.map(SynchronizedRef.get(states), (all) => all[name])

    /**
     * Runs `probe` whenever the breaker's open time is over, so a dependency nobody is calling still recovers
     * (LIM-12: a PING for Redis, SELECT 1 for Postgres). Fork it in the owning layer's scope.
     */
    const probeLoop = <E>(name: BreakerName, probe: Effect.Effect<unknown, E>, every: Duration.DurationInput = "1 second") =>
      Effect.gen(function* () {
        const s = yield* state(name)
        const now = yield* Clock.currentTimeMillis
        if ((s._tag === "open" && now >= s.until) || (s._tag === "half_open" && !s.trialInFlight)) {
          yield* Effect.ignore(protect(name, probe))
        }
      }).pipe(Effect.repeat(Schedule.spaced(every)), Effect.asVoid)

    return { protect, state, probeLoop, policies } as const
  })
}) {}

/** LIM-12: how long a breaker may stay away from `closed` before it raises a panel alert. */
export const breakerAlertAfter = Duration.seconds(60)

/**
 * Raises one `breaker_<name>_open` alert (critical, DATA-14) per outage of a breaker that has not closed for
 * more than `breakerAlertAfter`. Every replica may run it: raising an open alert again only refreshes it. An
 * alert that cannot be written (the postgres breaker is the usual reason) is tried again on the next check.
 */
export const BreakerAlertsLive = Layer.scopedDiscard(
  Effect.gen(function* () {
    const breakers = yield* CircuitBreakers
    const alerts = yield* AlertRepo
    const raisedFor = new Map<BreakerName, number>()
    const check = (name: BreakerName) =>
      Effect.gen(function* () {
        const s = yield* breakers.state(name)
        const now = yield* Clock.currentTimeMillis
        if (s._tag === "closed" || now - s.since <= Duration.toMillis(breakerAlertAfter) || raisedFor.get(name) === s.since) return
        yield* alerts.raise({
          kind: `breaker_${name}_open`,
          severity: "critical",
          groupId: null,
          channelId: null,
          message: `The ${name} circuit breaker has been open for more than ${Duration.toSeconds(breakerAlertAfter)} s`,
          details: { breaker: name, since: new Date(s.since).toISOString() }
        })
        raisedFor.set(name, s.since)
        yield* Effect.logError(`circuit breaker ${name} open for more than ${Duration.toSeconds(breakerAlertAfter)} s`).pipe(
          Effect.annotateLogs({ event: "breaker.alert", breaker: name })
        )
      }).pipe(Effect.catchTag("DatabaseUnavailable", (e) => Effect.logWarning(`could not raise the ${name} breaker alert yet`, e)))
    yield* Effect.forkScoped(Effect.forEach(BreakerNames, check, { discard: true }).pipe(Effect.repeat(Schedule.spaced("5 seconds"))))
  })
)

const failureOf = <E>(cause: Cause.Cause<E>): Option.Option<E> => Cause.failureOption(cause)

/** Guards a database call with the `postgres` breaker: only outages (DatabaseUnavailable) count (LIM-12). */
export const postgresProtected = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(CircuitBreakers, (breakers) =>
    breakers.protect("postgres", effect, (e) => typeof e === "object" && e !== null && "_tag" in e && e._tag === "DatabaseUnavailable"))
