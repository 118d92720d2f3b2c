import { randomUUID } from "node:crypto"
import { ChatId } from "@nezuko/domain"
import { Context, Effect, Layer, Runtime, Schema } from "effect"
import { CircuitBreakers } from "./CircuitBreakers.js"
import { RedisClient, subscriberConnection } from "./Redis.js"

/** What another replica must drop from its per-process copies (CACHE-5, CACHE-7). */
export const CacheEvent = Schema.Union(
  Schema.Struct({ kind: Schema.Literal("verify"), channelId: Schema.Number, userId: Schema.Number }),
  Schema.Struct({ kind: Schema.Literal("group"), id: Schema.Number }),
  /** A group's administrator list changed (ChatAdmins, CACHE-5). */
  Schema.Struct({ kind: Schema.Literal("admins"), id: Schema.Number }),
  /** A group's whitelist or open restriction records changed (UserFlags). */
  Schema.Struct({ kind: Schema.Literal("flags"), id: Schema.Number }),
  /** Drop every copy: also raised locally when the listener reconnects, as events may have been missed. */
  Schema.Struct({ kind: Schema.Literal("all") })
)
export type CacheEvent = typeof CacheEvent.Type

const Envelope = Schema.parseJson(Schema.Struct({ from: Schema.String, event: CacheEvent }))
const encode = Schema.encodeSync(Envelope)
const decode = Schema.decodeUnknownOption(Envelope)

export interface CacheEventsShape {
  /** Tells the other replicas; best effort — while Redis is down, staleness is bounded by the TTLs (CACHE-7). */
  readonly publish: (event: CacheEvent) => Effect.Effect<void>
  /** Runs `handler` for every event another replica publishes. */
  readonly subscribe: (handler: (event: CacheEvent) => void) => Effect.Effect<void>
}

/** Under REDIS_KEY_PREFIX like every key: `nz:inv` with the default prefix (CACHE-7). */
export const invalidationChannel = "inv"

/**
 * Keeps a per-process copy in step with the other replicas: their `kind` events drop one group's entries, and
 * `all` (a reconnect, when events may have been missed) drops every entry.
 */
export const followInvalidations = (
  events: CacheEventsShape,
  kind: "group" | "admins" | "flags",
  dropGroup: (groupId: ChatId) => Effect.Effect<void>,
  dropAll: Effect.Effect<void>
) =>
  Effect.gen(function* () {
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    yield* events.subscribe((event) => {
      if (event.kind === "all") runFork(dropAll)
      else if (event.kind === kind && "id" in event) runFork(dropGroup(ChatId.make(event.id)))
    })
  })

/**
 * The `nz:inv` channel of CACHE-7. A replica never receives its own events: it changed its copies already.
 * `local` is for a single process (no Redis configured, tests): there is nobody else to tell.
 */
export class CacheEvents extends Context.Tag("@nezuko/core/CacheEvents")<CacheEvents, CacheEventsShape>() {
  static local = Layer.succeed(CacheEvents, { publish: () => Effect.void, subscribe: () => Effect.void })

  /** Publishes on the shared client through the `redis` breaker; listens on a duplicate of it. */
  static layerRedis(prefix: string) {
    return Layer.scoped(
      CacheEvents,
      Effect.gen(function* () {
        const redis = yield* RedisClient
        const breakers = yield* CircuitBreakers
        // Per layer, not INSTANCE_ID: tests run several replicas in one process.
        const self = randomUUID()
        const channel = prefix + invalidationChannel
        const handlers: Array<(event: CacheEvent) => void> = []
        const listener = yield* subscriberConnection(redis, { lazy: false })
        listener.on("message", (from: string, raw: string) => {
          if (from !== channel) return
          const envelope = decode(raw)
          if (envelope._tag === "None" || envelope.value.from === self) return
          deliver(envelope.value.event)
        })
        const deliver = (event: CacheEvent) => {
          for (const handler of handlers) handler(event)
        }
        let connectedBefore = false
        // (Re)subscribing on every "ready" rather than once: a subscribe issued while Redis is down fails, and
        // whatever was published during an outage never arrives, so the copies are dropped after one.
        listener.on("ready", () => {
          if (connectedBefore) deliver({ kind: "all" })
          connectedBefore = true
          listener.subscribe(channel).catch(() => undefined)
        })
        return {
          publish: (event) =>
            Effect.ignore(breakers.protect("redis", redis.use((c) => c.publish(channel, encode({ from: self, event }))))),
          subscribe: (handler) => Effect.sync(() => void handlers.push(handler))
        } satisfies CacheEventsShape
      })
    )
  }
}
