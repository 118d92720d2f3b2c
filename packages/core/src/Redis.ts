import { Context, Data, Duration, Effect, Layer, Redacted } from "effect"
import IORedis, { type Redis as IORedisClient } from "ioredis"

export class RedisError extends Data.TaggedError("RedisError")<{ readonly cause: unknown }> {
  override get message() {
    return `Redis: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

/** The one ioredis connection a process shares (cache, limiter, locks, pub/sub publishing). */
export class RedisClient extends Context.Tag("@nezuko/core/RedisClient")<RedisClient, {
  readonly client: IORedisClient
  /** Runs one command; failures (including the 250 ms command timeout) become RedisError. */
  readonly use: <A>(f: (client: IORedisClient) => Promise<A>) => Effect.Effect<A, RedisError>
}>() {
  /** Wraps an existing client (tests pass ioredis-mock); the caller owns its lifetime. */
  static fromClient(client: IORedisClient): Context.Tag.Service<RedisClient> {
    return {
      client,
      use: (f) => Effect.tryPromise({ try: () => f(client), catch: (cause) => new RedisError({ cause }) })
    }
  }

  /**
   * A scoped client with the CACHE-6 policy: reconnect forever with min(attempt × 200 ms, 5 s), one retry
   * per request, 250 ms command timeout (so a dead Redis fails fast instead of stalling handlers). quit() on
   * release lets the process exit.
   */
  static layer(url: Redacted.Redacted, options: { readonly commandTimeout?: Duration.DurationInput } = {}) {
    return Layer.scoped(
      RedisClient,
      Effect.acquireRelease(
        Effect.sync(() => {
          const client = new IORedis(Redacted.value(url), {
            maxRetriesPerRequest: 1,
            commandTimeout: Duration.toMillis(options.commandTimeout ?? "250 millis"),
            connectTimeout: 2_000,
            retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
            enableOfflineQueue: true,
            // Commands issued in the same tick go out as one write: the hot path's concurrent GETs (up to 64
            // updates in flight) then cost one syscall instead of one each.
            enableAutoPipelining: true,
            lazyConnect: false
          })
          // Without a listener ioredis re-emits connection errors as an unhandled 'error' event, which kills Node.
          client.on("error", () => undefined)
          return RedisClient.fromClient(client)
        }),
        ({ client }) => Effect.promise(() => client.quit().catch(() => client.disconnect()))
      )
    )
  }
}

/**
 * A second connection for SUBSCRIBE (a subscribed ioredis connection can do nothing else), closed with the
 * scope. Its owner subscribes on every "ready": a subscribe sent while Redis is down fails, so resubscribing
 * is not left to ioredis. `lazy`: opened only by the first `connect()`.
 */
export const subscriberConnection = (redis: Context.Tag.Service<RedisClient>, options: { readonly lazy: boolean }) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const c = redis.client.duplicate({ lazyConnect: options.lazy, enableAutoPipelining: false, autoResubscribe: false })
      c.on("error", () => undefined)
      return c
    }),
    (c) => c.status === "wait" ? Effect.sync(() => c.disconnect()) : Effect.promise(() => c.quit().catch(() => c.disconnect()))
  )
