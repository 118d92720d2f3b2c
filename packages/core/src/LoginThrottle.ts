import { Clock, Duration, Effect, Option } from "effect"
import { LoginThrottled } from "./AuthErrors.js"
import { KeyValueStore } from "./KeyValueStore.js"

// SEC-8.
export const ipWindow = Duration.minutes(15)
export const ipMaxFailures = 5
export const accountMaxFailures = 10
const baseLock = Duration.minutes(15)
const maxLock = Duration.hours(24)

/** 15 minutes for the first lock, doubling with each further one, 24 hours at most. */
export const lockDuration = (previousLocks: number): Duration.Duration =>
  Duration.min(Duration.times(baseLock, 2 ** Math.min(previousLocks, 16)), maxLock)

const seconds = (d: Duration.Duration) => Math.max(1, Math.ceil(Duration.toSeconds(d)))

/**
 * The per-IP half of login throttling, in the shared KeyValueStore (Redis, or memory on one replica). The
 * per-account half lives on the admin row (failed_logins, locked_until). If the store fails, the IP limit
 * fails open: the account lock in Postgres still stops guessing, and a Redis outage must not lock everyone out.
 */
export class LoginThrottle extends Effect.Service<LoginThrottle>()("@nezuko/core/LoginThrottle", {
  effect: Effect.gen(function* () {
    const store = yield* KeyValueStore
    const key = (ip: string) => `login:ip:${ip}`
    const failOpen = <A>(fallback: A) => Effect.catchAll(() => Effect.as(Effect.logWarning("login throttle store unavailable; not limiting by IP"), fallback))

    return {
      /** Fails with LoginThrottled once the IP has used up its failures in the current window. */
      checkIp: (ip: string) =>
        Effect.gen(function* () {
          const count = Option.getOrElse(Option.map(yield* store.get(key(ip)), Number), () => 0)
          if (count < ipMaxFailures) return
          const left = Option.getOrElse(yield* store.ttl(key(ip)), () => ipWindow)
          return yield* new LoginThrottled({ retryAfterSeconds: seconds(left) })
        }).pipe(Effect.catchTag("RedisError", failOpen(undefined))),
      recordIpFailure: (ip: string) => store.increment(key(ip), ipWindow).pipe(Effect.asVoid, Effect.catchTag("RedisError", failOpen(undefined))),
      /** The remaining lock of an account, if it is locked now. */
      accountLock: (lockedUntil: Date | null) =>
        Effect.map(Clock.currentTimeMillis, (now) =>
          lockedUntil !== null && lockedUntil.getTime() > now
            ? Option.some(new LoginThrottled({ retryAfterSeconds: seconds(Duration.millis(lockedUntil.getTime() - now)) }))
            : Option.none())
    } as const
  })
}) {}
