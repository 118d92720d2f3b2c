import { it } from "@effect/vitest"
import { redisServerUrl, ResilienceTest } from "@nezuko/testing"
import { Context, Effect, Layer, Redacted } from "effect"
import { Redis } from "ioredis"
import { expect } from "vitest"
import { type CacheEvent, CacheEvents } from "../src/CacheEvents.js"
import { RedisClient } from "../src/Redis.js"

const replica = (prefix: string) =>
  Layer.build(CacheEvents.layerRedis(prefix).pipe(
    Layer.provide(Layer.merge(RedisClient.layer(Redacted.make(redisServerUrl), { commandTimeout: "2 seconds" }), ResilienceTest()))
  ))

const until = (check: () => boolean) =>
  Effect.promise(async () => {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20))
  })

it.live("nz:inv on the real Redis: the other replica hears an event, the sender does not, other prefixes neither (CACHE-7)", () =>
  Effect.scoped(Effect.gen(function* () {
    const prefix = `nztest:${Date.now().toString(36)}:`
    const [a, b, other] = yield* Effect.all([replica(prefix), replica(prefix), replica(`${prefix}x:`)])
    // The channel is named like a key: the prefix, then `inv` (so `nz:inv` by default, not `nz:nz:inv`).
    const raw: Array<string> = []
    const spy = yield* Effect.acquireRelease(Effect.sync(() => new Redis(redisServerUrl)), (c) => Effect.promise(() => c.quit()))
    spy.on("message", (_channel: string, message: string) => raw.push(message))
    yield* Effect.promise(() => spy.subscribe(`${prefix}inv`))
    const heard = { a: [] as Array<CacheEvent>, b: [] as Array<CacheEvent>, other: [] as Array<CacheEvent> }
    yield* Context.get(a, CacheEvents).subscribe((e) => heard.a.push(e))
    yield* Context.get(b, CacheEvents).subscribe((e) => heard.b.push(e))
    yield* Context.get(other, CacheEvents).subscribe((e) => heard.other.push(e))
    // The listeners subscribe once connected; publish until B hears the first event.
    const event = { kind: "verify", channelId: -1001, userId: 7 } as const
    const publisher = Context.get(a, CacheEvents)
    for (let i = 0; i < 50 && heard.b.length === 0; i++) {
      yield* publisher.publish(event)
      yield* until(() => heard.b.length > 0)
    }
    expect(heard.b[0]).toEqual(event)
    yield* publisher.publish({ kind: "group", id: -100 })
    yield* until(() => heard.b.length >= 2 && heard.b.at(-1)?.kind === "group")
    expect(heard.b.at(-1)).toEqual({ kind: "group", id: -100 })
    expect(raw.length).toBeGreaterThanOrEqual(2)
    expect(heard.a).toEqual([])
    expect(heard.other).toEqual([])
  })))
