import { Cache, Clock, Duration, Effect, Exit, Option, Scope } from "effect"

export interface LocalCache<K, A, E> {
  readonly get: (key: K) => Effect.Effect<A, E>
  readonly invalidate: (key: K) => Effect.Effect<void>
  readonly invalidateAll: Effect.Effect<void>
}

/**
 * Effect's Cache with refresh-ahead, for per-process copies on the hot path. A value younger than `fresh` is
 * served as is; an older one is still served while one background lookup replaces it (Cache.refresh keeps
 * the old value readable meanwhile); after `maxAge` it is gone and the next get waits for the lookup. Without
 * this a hot group's copy expired every few seconds and the message that found it expired waited for Redis
 * or PostgreSQL — the tail of the decision latency (OPS-17). Changes made elsewhere still arrive through
 * `invalidate` (nz:inv, CACHE-7); `maxAge` bounds staleness when those events cannot arrive.
 * Failed lookups are not kept. Background lookups run in `scope`, so they end with the owning layer.
 */
export const makeLocalCache = <K, A, E>(options: {
  readonly capacity: number
  readonly fresh: Duration.DurationInput
  readonly maxAge: Duration.DurationInput
  readonly lookup: (key: K) => Effect.Effect<A, E>
}): Effect.Effect<LocalCache<K, A, E>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const freshMs = Duration.toMillis(options.fresh)
    const maxAge = Duration.decode(options.maxAge)
    const cache = yield* Cache.makeWith({
      capacity: options.capacity,
      lookup: options.lookup,
      timeToLive: (exit) => (Exit.isSuccess(exit) ? maxAge : Duration.zero)
    })
    // Keys are ids (numbers, strings): a Set finds a refresh already on its way.
    const refreshing = new Set<K>()
    const refreshAhead = (key: K) =>
      Effect.gen(function* () {
        if (refreshing.has(key)) return
        const stats = yield* cache.entryStats(key)
        const now = yield* Clock.currentTimeMillis
        if (Option.isNone(stats) || now - stats.value.loadedMillis < freshMs) return
        refreshing.add(key)
        yield* cache.refresh(key).pipe(
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => refreshing.delete(key))),
          Effect.forkIn(scope)
        )
      })
    return {
      get: (key) => Effect.tap(cache.get(key), () => refreshAhead(key)),
      invalidate: (key) => cache.invalidate(key),
      invalidateAll: cache.invalidateAll
    }
  })
