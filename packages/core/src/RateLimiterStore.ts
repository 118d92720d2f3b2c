import { Clock, Context, Effect, Layer } from "effect"
import type { RedisError } from "./Redis.js"

/** `message` = message-producing methods (LIM-1, 25/s), `api` = every other method (100/s). */
export type Budget = "message" | "api"

/** One sliding window: at most `limit` grants with a timestamp in (now − windowMs, now]. */
export interface WindowCheck {
  /** Without REDIS_KEY_PREFIX: `rl:g`, `rl:api`, `rl:c:{chatId}`. Several checks may share a key. */
  readonly key: string
  readonly windowMs: number
  readonly limit: number
  readonly scope: "budget" | "chat"
}

export type AcquireResult =
  | { readonly _tag: "Granted"; readonly id: string }
  | { readonly _tag: "Wait"; readonly waitMs: number; readonly scope: "pause" | "budget" | "chat" }

/**
 * Storage of the sliding-window logs and 429 pauses (LIM-11). `tryAcquire` is atomic: either every window of
 * the request has room and the grant is recorded in all of them, or nothing is recorded and the caller learns
 * how long to wait and which window was full.
 */
export interface RateLimiterStoreShape {
  readonly backend: "redis" | "memory"
  readonly tryAcquire: (budget: Budget, checks: ReadonlyArray<WindowCheck>) => Effect.Effect<AcquireResult, RedisError>
  /**
   * Moves a grant's timestamp to now, once its request has been answered. Telegram counts a message when it
   * arrives, somewhere between our grant and the answer; keeping the grant in the window until `answer + window`
   * means network delays can never squeeze more than the limit into one of Telegram's windows.
   */
  readonly settle: (checks: ReadonlyArray<WindowCheck>, id: string) => Effect.Effect<void, RedisError>
  /** Pauses the whole budget (LIM-5); a shorter pause never shortens a longer one. */
  readonly pause: (budget: Budget, durationMs: number) => Effect.Effect<void, RedisError>
}

export class RateLimiterStore extends Context.Tag("@nezuko/core/RateLimiterStore")<RateLimiterStore, RateLimiterStoreShape>() {
  /** Per-replica windows; time from Clock so TestClock drives them. */
  static layerMemory = Layer.sync(RateLimiterStore, () => makeMemoryLimiterStore())
}

export const pauseKey = (budget: Budget) => `rl:pause:${budget}`

interface Grant {
  at: number
  readonly id: string
}

export const makeMemoryLimiterStore = (): RateLimiterStoreShape => {
  const logs = new Map<string, Array<Grant>>()
  let sequence = 0
  const pauses = new Map<Budget, number>()
  // The same algorithm as the Redis script (RateLimiterRedis.ts), over time-ordered arrays of grants.
  /** Index of the first grant newer than `since` (binary search: logs are ordered by time). */
  const firstAfter = (log: ReadonlyArray<Grant>, since: number) => {
    let lo = 0
    let hi = log.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((log[mid]?.at ?? 0) > since) hi = mid
      else lo = mid + 1
    }
    return lo
  }
  const decide = (budget: Budget, checks: ReadonlyArray<WindowCheck>, now: number): AcquireResult => {
    const pausedUntil = pauses.get(budget) ?? 0
    if (pausedUntil > now) return { _tag: "Wait", waitMs: pausedUntil - now, scope: "pause" }
    const horizon = new Map<string, number>()
    for (const c of checks) horizon.set(c.key, Math.max(horizon.get(c.key) ?? 0, c.windowMs))
    for (const [key, windowMs] of horizon) {
      const log = logs.get(key)
      if (log === undefined) continue
      const expired = firstAfter(log, now - windowMs)
      if (expired === log.length) logs.delete(key)
      else if (expired > 0) log.splice(0, expired)
    }
    let wait = 0
    let scope: "budget" | "chat" = "budget"
    for (const c of checks) {
      const log = logs.get(c.key) ?? []
      const inWindow = log.length - firstAfter(log, now - c.windowMs)
      if (inWindow >= c.limit) {
        // The grant that must leave the window before one more fits.
        const blocker = log[log.length - c.limit]?.at ?? now
        const d = Math.max(1, blocker + c.windowMs - now)
        if (d > wait) {
          wait = d
          scope = c.scope
        }
      }
    }
    if (wait > 0) return { _tag: "Wait", waitMs: wait, scope }
    const id = String(++sequence)
    for (const key of horizon.keys()) {
      const log = logs.get(key)
      if (log === undefined) logs.set(key, [{ at: now, id }])
      else log.push({ at: now, id })
    }
    return { _tag: "Granted", id }
  }
  return {
    backend: "memory",
    tryAcquire: (budget, checks) => Effect.map(Clock.currentTimeMillis, (now) => decide(budget, checks, now)),
    settle: (checks, id) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        for (const key of new Set(checks.map((c) => c.key))) {
          const log = logs.get(key)
          let i = (log?.length ?? 0) - 1
          while (i >= 0 && log?.[i]?.id !== id) i--
          // Re-appended, so each log stays ordered by time.
          if (log !== undefined && i >= 0) log.push({ at: now, id: log.splice(i, 1)[0]?.id ?? id })
        }
      }),
    pause: (budget, durationMs) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        pauses.set(budget, Math.max(pauses.get(budget) ?? 0, now + durationMs))
      })
  }
}
