import { Cache, Clock, Duration, Effect, Exit, Option, Scope } from "effect"

export interface LocalCache<K, A, E> {
  readonly get: (key: K) => Effect.Effect<A, E>
  /**
   * The value `get` would answer at `now` without any lookup or refresh (a copy younger than `refreshAfter`),
   * or undefined: then `get` is the way, and starts the refresh if one is due.
   */
  readonly peek: (key: K, now: number) => A | undefined
  readonly invalidate: (key: K) => Effect.Effect<void>
  readonly invalidateAll: Effect.Effect<void>
}

/**
 * Effect's Cache with refresh-ahead, for per-process copies on the hot path. A value is never served older
 * than `maxAge` (the staleness bound, e.g. CACHE-7's 5 s); once it is older than `refreshAfter`, a read
 * still gets it and starts one background lookup that replaces it (Cache.refresh keeps the old value readable
 * meanwhile). A copy in use is therefore renewed before it expires, and the message that would have found it
 * expired does not wait for Redis or PostgreSQL — that wait was the tail of the decision latency (OPS-17).
 * A copy nobody reads simply expires. Failed lookups are not kept. Background lookups run in the caller's
 * scope, so they end with the owning layer.
 */
export const makeLocalCache = <K, A, E>(options: {
  readonly capacity: number
  readonly refreshAfter: Duration.DurationInput
  readonly maxAge: Duration.DurationInput
  readonly lookup: (key: K) => Effect.Effect<A, E>
}): Effect.Effect<LocalCache<K, A, E>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const refreshAfterMs = Duration.toMillis(options.refreshAfter)
    const maxAge = Duration.decode(options.maxAge)
    const cache = yield* Cache.makeWith({
      capacity: options.capacity,
      lookup: options.lookup,
      timeToLive: (exit) => (Exit.isSuccess(exit) ? maxAge : Duration.zero)
    })
    // A read of a copy younger than `refreshAfter` needs nothing from the Cache: this plain Map answers it
    // without the Cache's hashing, LRU and statistics bookkeeping, which on the hot path (five reads per group
    // message) cost more than the rest of the read (`pnpm bench bot`). Older copies, misses and refreshes go
    // through the Cache as before; `epoch` keeps a read that raced an invalidation from re-filling the Map.
    const young = new Map<K, { readonly value: A; readonly loadedMillis: number }>()
    let epoch = 0
    // Keys are ids (numbers, strings): a Set finds a refresh already on its way.
    const refreshing = new Set<K>()
    const refreshAhead = (key: K, value: A, readEpoch: number) =>
      Effect.gen(function* () {
        if (refreshing.has(key)) return
        const stats = yield* cache.entryStats(key)
        const now = yield* Clock.currentTimeMillis
        if (Option.isNone(stats)) return
        if (now - stats.value.loadedMillis < refreshAfterMs) {
          if (readEpoch === epoch) {
            if (young.size >= options.capacity) young.clear()
            young.set(key, { value, loadedMillis: stats.value.loadedMillis })
          }
          return
        }
        refreshing.add(key)
        yield* cache.refresh(key).pipe(
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => refreshing.delete(key))),
          Effect.forkIn(scope)
        )
      })
    const slow = (key: K) =>
      Effect.suspend(() => {
        const readEpoch = epoch
        return Effect.tap(cache.get(key), (value) => refreshAhead(key, value, readEpoch))
      })
    const peek = (key: K, now: number) => {
      const hit = young.get(key)
      return hit !== undefined && now - hit.loadedMillis < refreshAfterMs ? hit.value : undefined
    }
    return {
      // clockWith rather than flatMap over Clock.currentTimeMillis: a young hit is then two Effect steps, not four.
      get: (key) =>
        Effect.clockWith((clock) => {
          const hit = peek(key, clock.unsafeCurrentTimeMillis())
          return hit !== undefined ? Effect.succeed(hit) : slow(key)
        }),
      peek,
      invalidate: (key) => Effect.suspend(() => {
        epoch++
        young.delete(key)
        return cache.invalidate(key)
      }),
      invalidateAll: Effect.suspend(() => {
        epoch++
        young.clear()
        return cache.invalidateAll
      })
    }
  })
