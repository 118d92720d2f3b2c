import type { ChannelId, UserId } from "@nezuko/domain"
import { Clock, Deferred, Duration, Effect, FiberId, Metric, Option, Random } from "effect"
import type { ChatMember } from "grammy/types"
import { AppConfig } from "./AppConfig.js"
import { CacheEvents } from "./CacheEvents.js"
import { KeyValueStore } from "./KeyValueStore.js"
import { withLeanSpan } from "./LeanSpan.js"
import { type MetricInput, taggedBy, updateMetrics } from "./Metrics.js"
import type { Priority } from "./RateLimiter.js"
import { TelegramApi, type TelegramError } from "./TelegramApi.js"

export type MembershipResult = "member" | "not_member" | "unknown"

export interface ChannelCheck {
  readonly channelId: ChannelId
  readonly result: MembershipResult
  /** True when the answer came from the cache (CACHE-8). */
  readonly cached: boolean
  /** Why a check is unknown: the channel is unreadable for the bot (mark it unverifiable) or Telegram failed. */
  readonly unknownReason?: "chat_unavailable" | "transient"
}

export const membershipChecks = Metric.counter("nezuko_membership_checks_total", { description: "Membership checks by source and result", incremental: true })
export const cacheRequests = Metric.counter("nezuko_cache_requests_total", { description: "Membership cache look-ups by backend and result", incremental: true })
const checksBy = taggedBy(membershipChecks, "source", "result")
const requestsBy = taggedBy(cacheRequests, "backend", "result")

/** CACHE-2: who counts as a member, and until when a positive answer may be cached. */
export const classifyMember = (m: ChatMember): { readonly member: boolean; readonly until?: number } => {
  switch (m.status) {
    case "creator":
    case "administrator":
      return { member: true }
    case "member":
      return m.until_date ? { member: true, until: m.until_date } : { member: true }
    case "restricted":
      return { member: m.is_member }
    case "left":
    case "kicked":
      return { member: false }
  }
}

const classifyError = (e: TelegramError): Omit<ChannelCheck, "channelId" | "cached"> => {
  switch (e._tag) {
    case "TelegramUserNotFound":
      return { result: "not_member" }
    case "TelegramChatUnavailable":
    case "TelegramMissingRights":
      return { result: "unknown", unknownReason: "chat_unavailable" }
    default:
      return { result: "unknown", unknownReason: "transient" }
  }
}

/**
 * Channel membership for the enforcement engine (CACHE-2 to CACHE-4, CACHE-8): `verify:{channel}:{user}` in the
 * KeyValueStore with jittered TTLs, Telegram only on a miss. Concurrent look-ups of the same (channel, user)
 * share one getChatMember call (single flight). Written by hand: Effect's `Request` cache and `Cache` both keep
 * a finished answer for a while (60 s, or until the clock moves), and a verify press must never get an answer
 * older than the press (it bypasses both the shared entries and this process's copies, below).
 * Several channels are checked in parallel when one of them has to wait.
 * Telegram failures are "unknown", never "not a member", and are not cached.
 */
export class Membership extends Effect.Service<Membership>()("@nezuko/core/Membership", {
  effect: Effect.gen(function* () {
    const config = yield* AppConfig
    const store = yield* KeyValueStore
    const events = yield* CacheEvents
    const telegram = yield* TelegramApi
    const key = (channelId: ChannelId, userId: UserId) => `verify:${channelId}:${userId}`

    // A per-process copy of the answers in front of the shared `verify:` entries, so a cache-hit decision needs
    // no round trip (OPS-17's 2 ms p99 cannot wait behind whatever else holds the event loop). This replica's
    // writes and deletes update it and are published on `nz:inv`, which drops the other replicas' copies
    // (CACHE-7); an answer read from Redis is kept at most 60 s (never past its TTL there), the staleness
    // CACHE-7 allows while Redis is down. Bypassing reads (verify press, timeouts) never look at it.
    const local = new Map<string, { readonly member: boolean; readonly until: number }>()
    const fromRedisMs = 60_000
    const localMax = 100_000
    const keepLocal = (id: string, member: boolean, until: number) => {
      local.delete(id)
      if (local.size >= localMax) local.delete(local.keys().next().value as string)
      local.set(id, { member, until })
    }
    yield* events.subscribe((event) => {
      if (event.kind === "all") local.clear()
      else if (event.kind === "verify") local.delete(`verify:${event.channelId}:${event.userId}`)
    })
    const changed = (channelId: ChannelId, userId: UserId) => events.publish({ kind: "verify", channelId, userId })

    // CACHE-3: base ± floor(base · p / 100), a uniform integer number of seconds.
    const jittered = (base: Duration.Duration) =>
      Effect.gen(function* () {
        const seconds = Math.round(Duration.toSeconds(base))
        const j = Math.floor((seconds * config.cacheJitterPercent) / 100)
        return Duration.seconds(seconds + (j === 0 ? 0 : yield* Random.nextIntBetween(-j, j + 1)))
      })

    const remember = Effect.fn("Membership.remember")(function* (channelId: ChannelId, userId: UserId, member: boolean, until?: number) {
      const now = yield* Clock.currentTimeMillis
      let ttl = yield* jittered(member ? config.cachePositiveTtl : config.cacheNegativeTtl)
      if (until !== undefined) ttl = Duration.min(ttl, Duration.seconds(Math.max(1, until - now / 1000)))
      keepLocal(key(channelId, userId), member, now + Duration.toMillis(ttl))
      yield* Effect.ignore(store.set(key(channelId, userId), member ? "1" : "0", ttl))
      yield* changed(channelId, userId)
    })

    const lookup = (req: { readonly channelId: ChannelId; readonly userId: UserId; readonly priority: Priority }) =>
      telegram.getChatMember({ chat_id: req.channelId, user_id: req.userId }, { priority: req.priority, kind: "membership" }).pipe(
        Effect.flatMap((m) => {
          const verdict = classifyMember(m)
          return Effect.as(remember(req.channelId, req.userId, verdict.member, verdict.until), {
            channelId: req.channelId,
            result: verdict.member ? "member" as const : "not_member" as const
          })
        }),
        Effect.catchAll((e) => {
          const verdict = classifyError(e)
          return verdict.result === "not_member"
            ? Effect.as(remember(req.channelId, req.userId, false), { channelId: req.channelId, ...verdict })
            : Effect.succeed({ channelId: req.channelId, ...verdict })
        })
      )

    const inFlight = new Map<string, Deferred.Deferred<Omit<ChannelCheck, "cached">>>()
    const singleFlight = (req: { readonly channelId: ChannelId; readonly userId: UserId; readonly priority: Priority }) =>
      Effect.suspend(() => {
        const id = `${req.channelId}:${req.userId}`
        const running = inFlight.get(id)
        if (running) return Deferred.await(running)
        const deferred = Deferred.unsafeMake<Omit<ChannelCheck, "cached">>(FiberId.none)
        inFlight.set(id, deferred)
        return lookup(req).pipe(
          Effect.onExit((exit) => Effect.zipRight(Effect.sync(() => inFlight.delete(id)), Deferred.done(deferred, exit)))
        )
      })

    const fromApi = (channelId: ChannelId, userId: UserId, priority: Priority) =>
      singleFlight({ channelId, userId, priority }).pipe(
        Effect.tap((check) => Metric.increment(checksBy("api", check.result))),
        Effect.map((check): ChannelCheck => ({ ...check, cached: false }))
      )

    /** This process's answer for `id`, if it has one that has not expired. */
    const liveLocal = (id: string, now: number) => {
      const near = local.get(id)
      return near !== undefined && near.until > now ? near : undefined
    }

    const hitOf = (channelId: ChannelId, member: boolean): ChannelCheck => ({ channelId, result: member ? "member" : "not_member", cached: true })
    const countHits = (checks: ReadonlyArray<ChannelCheck>) =>
      updateMetrics(checks.flatMap((c): Array<MetricInput> => [[requestsBy(store.backend, "hit"), 1], [checksBy("cache", c.result), 1]]))
    const cacheHit = (channelId: ChannelId, member: boolean): Effect.Effect<ChannelCheck> => {
      const check = hitOf(channelId, member)
      return Effect.as(countHits([check]), check)
    }

    const check = (channelId: ChannelId, userId: UserId, options: { readonly bypassCache?: boolean; readonly priority?: Priority } = {}) =>
      Effect.gen(function* () {
        const priority = options.priority ?? 1
        if (options.bypassCache) return yield* fromApi(channelId, userId, priority)
        const id = key(channelId, userId)
        const now = yield* Clock.currentTimeMillis
        const near = liveLocal(id, now)
        if (near !== undefined) return yield* cacheHit(channelId, near.member)
        const hit = yield* Effect.map(Effect.option(store.getWithTtl(id)), Option.flatten)
        if (Option.isSome(hit)) {
          const [value, left] = hit.value
          // CACHE-3: the copy goes when the shared entry does, if that comes before the 60 s.
          keepLocal(id, value === "1", now + Math.min(fromRedisMs, Duration.toMillis(left)))
          return yield* cacheHit(channelId, value === "1")
        }
        local.delete(id)
        yield* Metric.increment(requestsBy(store.backend, "miss"))
        return yield* fromApi(channelId, userId, priority)
      })

    /**
     * Every channel's answer from this process's copy (the effect counts the cache hits), or undefined when
     * one of them is not there. Concurrency and a span only when something has to wait: both cost more than a
     * local hit (`pnpm bench bot`).
     */
    const checkAllHere = (channelIds: ReadonlyArray<ChannelId>, userId: UserId, now: number): Effect.Effect<ReadonlyArray<ChannelCheck>> | undefined => {
      const checks: Array<ChannelCheck> = []
      for (const c of channelIds) {
        const near = liveLocal(key(c, userId), now)
        if (near === undefined) return undefined
        checks.push(hitOf(c, near.member))
      }
      return Effect.as(countHits(checks), checks)
    }

    return {
      check,
      checkAllHere,
      /** Every channel in parallel (BOT-24); the order of the answer follows `channelIds`. */
      checkAll: (channelIds: ReadonlyArray<ChannelId>, userId: UserId, options: { readonly bypassCache?: boolean; readonly priority?: Priority } = {}) =>
        Effect.clockWith((clock) => {
          const here = options.bypassCache === true ? undefined : checkAllHere(channelIds, userId, clock.unsafeCurrentTimeMillis())
          if (here !== undefined) return here
          return Effect.forEach(channelIds, (c) => check(c, userId, options), { concurrency: channelIds.length === 1 ? 1 : "unbounded" }).pipe(
            withLeanSpan("Membership.checkAll")
          )
        }),
      remember,
      /** CACHE-5: the verify button deletes the user's entries before re-checking. */
      forget: (channelIds: ReadonlyArray<ChannelId>, userId: UserId) =>
        Effect.forEach(channelIds, (c) =>
          Effect.sync(() => local.delete(key(c, userId))).pipe(
            Effect.zipRight(Effect.ignore(store.remove(key(c, userId)))),
            Effect.zipRight(changed(c, userId))
          ), { discard: true })
    } as const
  })
}) {}
