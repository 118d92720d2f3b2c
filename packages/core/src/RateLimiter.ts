import { Clock, Context, Deferred, Duration, Effect, Metric, MetricBoundaries, Option, Queue, Schedule, Schema } from "effect"
import { AppConfig } from "./AppConfig.js"
import { type AcquireResult, type Budget, RateLimiterStore, type WindowCheck } from "./RateLimiterStore.js"

/** LIM-3: P0 (button answers, restores) before P1 (mutes, prompts, deletes) before P2 (replies, clean-up, scans). */
export type Priority = 0 | 1 | 2

export class RateLimitDropped extends Schema.TaggedError<RateLimitDropped>()("RateLimitDropped", {
  priority: Schema.Literal(0, 1, 2),
  reason: Schema.Literal("shed", "expired")
}) {
  override get message() {
    return `P${this.priority} call dropped by the rate limiter (${this.reason})`
  }
}

export interface Permit {
  /** `none`: outside both budgets (getUpdates, webhook management). */
  readonly budget: Budget | "none"
  readonly priority: Priority
  /** Target chat of a message-producing call (per-chat windows, LIM-2). */
  readonly chatId?: number | string | undefined
}

const waitBuckets = MetricBoundaries.fromIterable([0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30, 60])
export const queueDepth = Metric.gauge("nezuko_ratelimit_queue_depth", { description: "Calls waiting for the limiter" })
export const waitSeconds = Metric.histogram("nezuko_ratelimit_wait_seconds", waitBuckets, "Time a call waited for the limiter")
export const droppedTotal = Metric.counter("nezuko_ratelimit_dropped_total", { description: "P2 calls shed or expired", incremental: true })
export const emergencyGauge = Metric.gauge("nezuko_ratelimit_emergency", { description: "1 while emergency mode (LIM-10) is on" })

/** LIM-1/LIM-2's configurable windows: messages a second overall, messages a minute per group. */
export interface RateLimitValues {
  readonly global: number
  readonly perGroup: number
}

/**
 * DATA-19: run-time values over the environment's (the panel's `limits.*` rows), read by the limiter every
 * `overridesEvery` where the process graph provides them; a missing or out-of-range value keeps the env's.
 */
export class RateLimitOverrides extends Context.Tag("@nezuko/core/RateLimitOverrides")<
  RateLimitOverrides,
  Effect.Effect<{ readonly [K in keyof RateLimitValues]?: number | undefined }, unknown>
>() {}
export const overridesEvery = Duration.seconds(30)
/** DATA-19's ranges (the panel validates the same). */
export const limitRanges = { global: [1, 28], perGroup: [1, 20] } as const

/** A granted permit: settle it when the request has been answered (RateLimiterStore.settle). */
export interface Grant {
  readonly id: string
  readonly checks: ReadonlyArray<WindowCheck>
}

interface Ticket {
  readonly seq: number
  readonly priority: Priority
  readonly enqueuedAt: number
  readonly chat: string | undefined
  readonly granted: Deferred.Deferred<Grant>
  cancelled: boolean
}

export const limits = {
  /** LIM-4 */
  warnDepth: 500,
  shedDepth: 2_000,
  p2MaxWait: Duration.seconds(60),
  /** LIM-3: a P2 item waiting this long is served as P1. */
  p2Aging: Duration.seconds(15),
  /** LIM-10 */
  emergencyAfter: 5,
  emergencyWindow: Duration.seconds(60),
  emergencyFor: Duration.minutes(5),
  emergencyGlobal: 15,
  groupPerSecond: 3,
  privatePerSecond: 1
} as const

/**
 * The one priority scheduler every Telegram call passes (LIM-1..LIM-4, LIM-10). Windows live in
 * RateLimiterStore (shared through Redis); queues and priorities are per replica. One dispatcher fiber per
 * budget serves waiting calls strictly by priority, skipping calls whose own chat window is full so one busy
 * group never blocks the others.
 */
export class RateLimiter extends Effect.Service<RateLimiter>()("@nezuko/core/RateLimiter", {
  scoped: Effect.gen(function* () {
    const config = yield* AppConfig
    const store = yield* RateLimiterStore
    const scope = yield* Effect.scope
    let seq = 0
    let configured: RateLimitValues = { global: config.rateLimitGlobal, perGroup: config.rateLimitPerGroup }
    let emergencyUntil = 0
    let recent429: Array<number> = []
    let warned = false
    const queues: Record<Budget, [Array<Ticket>, Array<Ticket>, Array<Ticket>]> = { message: [[], [], []], api: [[], [], []] }
    const wake: Record<Budget, Queue.Queue<void>> = { message: yield* Queue.sliding<void>(1), api: yield* Queue.sliding<void>(1) }

    const waitMetric = [0, 1, 2].map((p) => Metric.tagged(waitSeconds, "priority", `P${p}`))
    const observeWait = (p: Priority, seconds: number) => Metric.update(waitMetric[p] ?? waitSeconds, seconds)
    const depth = (p: Priority) => queues.message[p].length + queues.api[p].length
    const totalDepth = () => depth(0) + depth(1) + depth(2)
    const publishDepth = Effect.forEach([0, 1, 2] as const, (p) =>
      Metric.set(Metric.tagged(queueDepth, "priority", `P${p}`), depth(p)), { discard: true })

    const checksFor = (budget: Budget, chat: string | undefined, emergency: boolean): ReadonlyArray<WindowCheck> => {
      if (budget === "api") return [{ key: "rl:api", windowMs: 1000, limit: config.rateLimitApiCalls, scope: "budget" }]
      const global: WindowCheck = { key: "rl:g", windowMs: 1000, limit: emergency ? Math.min(limits.emergencyGlobal, configured.global) : configured.global, scope: "budget" }
      if (chat === undefined) return [global]
      const key = `rl:c:${chat}`
      // Positive ids are private chats (1/s); groups, channels and @usernames get the group windows.
      return /^\d+$/.test(chat)
        ? [global, { key, windowMs: 1000, limit: limits.privatePerSecond, scope: "chat" }]
        : [global, { key, windowMs: 60_000, limit: configured.perGroup, scope: "chat" }, { key, windowMs: 1000, limit: limits.groupPerSecond, scope: "chat" }]
    }

    // P0, then P1 and aged P2 merged in arrival order, then the rest of P2 (none in emergency mode). Lazy, so
    // a full budget costs one look at the head instead of a sort of the whole queue.
    function* ordered(budget: Budget, now: number, emergency: boolean): Generator<Ticket> {
      const [p0, p1, p2] = queues[budget]
      yield* [...p0]
      const agedBefore = now - Duration.toMillis(limits.p2Aging)
      const aged = emergency ? 0 : p2.findIndex((t) => t.enqueuedAt > agedBefore)
      const agedCount = aged === -1 ? p2.length : aged
      const first = [...p1]
      const second = p2.slice(0, agedCount)
      let i = 0
      let j = 0
      while (i < first.length || j < second.length) {
        const a = first[i]
        const b = second[j]
        if (b === undefined || (a !== undefined && a.seq < b.seq)) {
          i++
          if (a !== undefined) yield a
        } else {
          j++
          yield b
        }
      }
      if (!emergency) yield* p2.slice(agedCount)
    }

    const remove = (budget: Budget, ticket: Ticket) => {
      const queue = queues[budget][ticket.priority]
      const i = queue.indexOf(ticket)
      if (i >= 0) queue.splice(i, 1)
    }

    /**
     * The gauge (status page, dashboard) follows the mode's end on its own fiber: the dispatchers stay parked
     * while calls take the fast path, so at low load a gauge they updated would show emergency mode for ever.
     */
    const emergencyEnds: Effect.Effect<void> = Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis
      if (now < emergencyUntil) return yield* Effect.zipRight(Effect.sleep(Duration.millis(emergencyUntil - now)), emergencyEnds)
      yield* Metric.set(emergencyGauge, 0)
      yield* Effect.logInfo("emergency mode over").pipe(Effect.annotateLogs({ event: "ratelimit.emergency_over" }))
    })

    const dispatch = (budget: Budget) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const emergency = now < emergencyUntil
        const chatBlocked = new Map<string, number>()
        let wakeAt = Number.POSITIVE_INFINITY
        let dispatched = false
        for (const ticket of ordered(budget, now, emergency)) {
          const blockedUntil = ticket.chat === undefined ? undefined : chatBlocked.get(ticket.chat)
          if (blockedUntil !== undefined) continue
          const checks = checksFor(budget, ticket.chat, emergency)
          const result: AcquireResult = yield* store.tryAcquire(budget, checks).pipe(
            Effect.catchTag("RedisError", (e) =>
              Effect.as(Effect.logWarning("rate limiter store failed", e), { _tag: "Wait", waitMs: 250, scope: "budget" } as const))
          )
          if (result._tag === "Granted") {
            remove(budget, ticket)
            dispatched = true
            yield* observeWait(ticket.priority, (now - ticket.enqueuedAt) / 1000)
            yield* Deferred.succeed(ticket.granted, { id: result.id, checks })
            continue
          }
          wakeAt = Math.min(wakeAt, now + result.waitMs)
          if (result.scope === "chat" && ticket.chat !== undefined) chatBlocked.set(ticket.chat, now + result.waitMs)
          else break
        }
        if (dispatched) yield* publishDepth
        const [, , p2] = queues[budget]
        if (emergency && p2.length > 0) wakeAt = Math.min(wakeAt, emergencyUntil)
        const oldestFreshP2 = p2.find((t) => t.enqueuedAt > now - Duration.toMillis(limits.p2Aging))
        if (oldestFreshP2 !== undefined) wakeAt = Math.min(wakeAt, oldestFreshP2.enqueuedAt + Duration.toMillis(limits.p2Aging))
        const pending = queues[budget].some((q) => q.length > 0)
        const signal = Queue.take(wake[budget])
        if (dispatched && pending) return
        if (!pending || !Number.isFinite(wakeAt)) return yield* signal
        yield* Effect.raceFirst(signal, Effect.sleep(Duration.millis(Math.max(1, wakeAt - now))))
      })

    const inRange = (value: number | undefined, [min, max]: readonly [number, number], fallback: number) =>
      value !== undefined && Number.isInteger(value) && value >= min && value <= max ? value : fallback
    const overrides = yield* Effect.serviceOption(RateLimitOverrides)
    if (Option.isSome(overrides)) {
      const refresh = Effect.gen(function* () {
        const read = yield* overrides.value
        const next = {
          global: inRange(read.global, limitRanges.global, config.rateLimitGlobal),
          perGroup: inRange(read.perGroup, limitRanges.perGroup, config.rateLimitPerGroup)
        }
        if (next.global === configured.global && next.perGroup === configured.perGroup) return
        configured = next
        yield* Effect.logInfo(`rate limits now ${next.global} messages a second, ${next.perGroup} a minute per group`).pipe(
          Effect.annotateLogs({ event: "ratelimit.limits" })
        )
      }).pipe(Effect.catchAllCause((cause) => Effect.logWarning("could not read the rate limits; the last ones stand", cause)))
      yield* Effect.forkScoped(Effect.repeat(refresh, Schedule.spaced(overridesEvery)))
    }

    yield* Effect.forkScoped(Effect.forever(dispatch("message")))
    yield* Effect.forkScoped(Effect.forever(dispatch("api")))

    const acquire = Effect.fnUntraced(function* (permit: Permit): Effect.fn.Return<Grant | undefined, RateLimitDropped> {
      if (permit.budget === "none") return undefined
      const budget = permit.budget
      const now = yield* Clock.currentTimeMillis
      if (permit.priority === 2 && totalDepth() >= limits.shedDepth) {
        yield* Metric.increment(Metric.tagged(Metric.tagged(droppedTotal, "priority", "P2"), "reason", "shed"))
        yield* Effect.logWarning("rate limiter queue full; P2 call refused").pipe(Effect.annotateLogs({ event: "ratelimit.shed" }))
        return yield* new RateLimitDropped({ priority: 2, reason: "shed" })
      }
      const chat = permit.chatId === undefined ? undefined : String(permit.chatId)
      // Fast path: with nobody waiting in this budget, priorities cannot be violated, so try the windows directly
      // instead of handing over to the dispatcher fiber (saves a scheduler round trip per send).
      const emergency = now < emergencyUntil
      if (queues[budget].every((q) => q.length === 0) && !(emergency && permit.priority === 2)) {
        const checks = checksFor(budget, chat, emergency)
        const result = yield* store.tryAcquire(budget, checks).pipe(Effect.catchTag("RedisError", () => Effect.succeed(undefined)))
        if (result?._tag === "Granted") {
          yield* observeWait(permit.priority, 0)
          return { id: result.id, checks }
        }
      }
      const ticket: Ticket = {
        seq: ++seq,
        priority: permit.priority,
        enqueuedAt: now,
        chat,
        granted: yield* Deferred.make<Grant>(),
        cancelled: false
      }
      queues[budget][permit.priority].push(ticket)
      yield* publishDepth
      if (totalDepth() > limits.warnDepth && !warned) {
        warned = true
        yield* Effect.logWarning(`rate limiter queue above ${limits.warnDepth}`).pipe(Effect.annotateLogs({ event: "ratelimit.queue_high" }))
      } else if (totalDepth() <= limits.warnDepth) warned = false
      yield* Queue.offer(wake[budget], undefined)
      const cancel = Effect.suspend(() => {
        ticket.cancelled = true
        remove(budget, ticket)
        return publishDepth
      })
      const wait = Deferred.await(ticket.granted).pipe(Effect.onInterrupt(() => cancel))
      if (permit.priority !== 2) return yield* wait
      return yield* wait.pipe(
        Effect.timeoutFail({ duration: limits.p2MaxWait, onTimeout: () => new RateLimitDropped({ priority: 2, reason: "expired" }) }),
        Effect.tapError(() =>
          Effect.zipRight(
            cancel,
            Effect.zipRight(
              Metric.increment(Metric.tagged(Metric.tagged(droppedTotal, "priority", "P2"), "reason", "expired")),
              Effect.logWarning("P2 call not sent within 60 s; dropped").pipe(Effect.annotateLogs({ event: "ratelimit.expired" }))
            )
          ))
      )
    })

    /** A 429 arrived: pause the whole budget (LIM-5) and count it towards emergency mode (LIM-10). */
    const rateLimited = Effect.fnUntraced(function* (budget: Budget, retryAfter: Duration.Duration) {
      yield* store.pause(budget, Duration.toMillis(retryAfter)).pipe(
        Effect.catchTag("RedisError", (e) => Effect.logWarning("could not share a 429 pause", e))
      )
      const now = yield* Clock.currentTimeMillis
      recent429 = [...recent429.filter((t) => t > now - Duration.toMillis(limits.emergencyWindow)), now]
      if (recent429.length >= limits.emergencyAfter) {
        const starts = now >= emergencyUntil
        emergencyUntil = now + Duration.toMillis(limits.emergencyFor)
        if (starts) {
          yield* Effect.logWarning("emergency mode: message budget lowered, P2 paused").pipe(Effect.annotateLogs({ event: "ratelimit.emergency" }))
          yield* Metric.set(emergencyGauge, 1)
          yield* Effect.forkIn(emergencyEnds, scope)
        }
      }
      yield* Queue.offer(wake[budget], undefined)
    })

    const status = Effect.map(Clock.currentTimeMillis, (now) => ({
      queued: { P0: depth(0), P1: depth(1), P2: depth(2) },
      emergency: now < emergencyUntil,
      backend: store.backend
    }))

    /**
     * Waits for a permit and runs `effect` (one request). A message-budget grant then stays in the windows until
     * the answer, since Telegram counts a message when it arrives. The `api` budget is our own safety ceiling,
     * not a Telegram window: counting its grants from the grant is exact for it, and not settling saves each
     * restrict, delete and getChatMember a Redis round trip (`pnpm bench bot`).
     */
    const withPermit = <A, E, R>(permit: Permit, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | RateLimitDropped, R> =>
      Effect.flatMap(acquire(permit), (grant) =>
        grant === undefined || permit.budget !== "message"
          ? effect
          : Effect.ensuring(effect, Effect.ignore(store.settle(grant.checks, grant.id))))

    /** The windows in effect now (environment, or DATA-19's run-time values). */
    const current = (): RateLimitValues => configured

    return { acquire, withPermit, rateLimited, status, current } as const
  })
}) {}
