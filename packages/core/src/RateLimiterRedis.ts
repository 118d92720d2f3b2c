import { createHash } from "node:crypto"
import { Effect, Layer } from "effect"
import type { Redis as IORedisClient } from "ioredis"
import { RedisClient } from "./Redis.js"
import { type AcquireResult, pauseKey, RateLimiterStore, type RateLimiterStoreShape } from "./RateLimiterStore.js"

/*
 * Why not @effect/experimental's RateLimiter Redis store (0.61.1): it offers a fixed window, which lets 2 × limit
 * through across a window boundary (25 at 0.99 s and 25 at 1.01 s break LIM-1), or a token bucket, whose burst
 * capacity plus refill also exceeds a sliding window unless the capacity is cut to ~1 (pure pacing). Each consume
 * covers one key, so the global and per-chat windows cannot be taken atomically (a chat refusal would still burn
 * a global token), its "delay" mode reserves future slots, which defeats our priorities, there is no budget-wide
 * pause for 429s, and it opens its own connection. LIM-11 asks for sliding-window logs: this one Lua script.
 */

// KEYS[1] = pause key, KEYS[2..] = distinct window keys.
// ARGV[1] = unique member; then per check: key index (into KEYS), window ms, limit, scope (2 budget, 3 chat).
// Returns {0, 0} when granted, else {scope, wait ms} with scope 1 = pause.
// Time is the server's (TIME), so replicas with drifting clocks still share one timeline.
const acquireScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused > now then return {1, paused - now} end
local n = (#ARGV - 1) / 4
local horizon = {}
for i = 0, n - 1 do
  local k = tonumber(ARGV[2 + i * 4])
  local w = tonumber(ARGV[3 + i * 4])
  if (horizon[k] or 0) < w then horizon[k] = w end
end
for k, w in pairs(horizon) do redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now - w) end
local wait = 0
local scope = 0
for i = 0, n - 1 do
  local k = tonumber(ARGV[2 + i * 4])
  local w = tonumber(ARGV[3 + i * 4])
  local limit = tonumber(ARGV[4 + i * 4])
  local count = redis.call('ZCOUNT', KEYS[k], '(' .. (now - w), '+inf')
  if count >= limit then
    local e = redis.call('ZRANGEBYSCORE', KEYS[k], '(' .. (now - w), '+inf', 'WITHSCORES', 'LIMIT', count - limit, 1)
    local d = tonumber(e[2]) + w - now
    if d < 1 then d = 1 end
    if d > wait then
      wait = d
      scope = tonumber(ARGV[5 + i * 4])
    end
  end
end
if wait > 0 then return {scope, wait} end
for k, w in pairs(horizon) do
  redis.call('ZADD', KEYS[k], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[k], w)
end
return {0, 0}
`

// KEYS = window keys, ARGV[1] = member, ARGV[2..] = each key's window ms. Only grants still in the log move.
const settleScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  if redis.call('ZADD', KEYS[i], 'XX', 'CH', now, ARGV[1]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[i + 1]) end
end
return 0
`

// KEYS[1] = pause key, ARGV[1] = pause ms. Extends, never shortens.
const pauseScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilMs > current then redis.call('SET', KEYS[1], untilMs, 'PX', ARGV[1]) end
return 0
`

const scopes = { 1: "pause", 2: "budget", 3: "chat" } as const

/** EVALSHA, loading the script on the first NOSCRIPT: the script text is not sent with every call. */
const script = (lua: string) => {
  const sha = createHash("sha1").update(lua).digest("hex")
  return (client: IORedisClient, keys: ReadonlyArray<string>, args: ReadonlyArray<string | number>): Promise<unknown> =>
    client.evalsha(sha, keys.length, ...keys, ...args).catch((error: unknown) =>
      error instanceof Error && error.message.includes("NOSCRIPT") ? client.eval(lua, keys.length, ...keys, ...args) : Promise.reject(error))
}
const acquire = script(acquireScript)
const settle = script(settleScript)
const pause = script(pauseScript)

export const makeRedisLimiterStore = (redis: RedisClient["Type"], prefix: string, instanceId: string): RateLimiterStoreShape => {
  let sequence = 0
  return {
    backend: "redis",
    tryAcquire: (budget, checks) =>
      Effect.suspend(() => {
        const keys: Array<string> = [prefix + pauseKey(budget)]
        const index = new Map<string, number>()
        const id = `${instanceId}:${++sequence}`
        const args: Array<string | number> = [id]
        for (const c of checks) {
          let i = index.get(c.key)
          if (i === undefined) {
            keys.push(prefix + c.key)
            i = keys.length
            index.set(c.key, i)
          }
          args.push(i, Math.round(c.windowMs), c.limit, c.scope === "budget" ? 2 : 3)
        }
        return Effect.map(
          redis.use((client) => acquire(client, keys, args)),
          (reply): AcquireResult => {
            const [code, wait] = Array.isArray(reply) ? reply.map(Number) : [0, 0]
            return code === 1 || code === 2 || code === 3
              ? { _tag: "Wait", waitMs: Math.max(1, wait ?? 1), scope: scopes[code] }
              : { _tag: "Granted", id }
          }
        )
      }),
    settle: (checks, id) => {
      const windows = new Map<string, number>()
      for (const c of checks) windows.set(prefix + c.key, Math.max(windows.get(prefix + c.key) ?? 0, Math.round(c.windowMs)))
      return Effect.asVoid(redis.use((client) => settle(client, [...windows.keys()], [id, ...windows.values()])))
    },
    pause: (budget, durationMs) =>
      Effect.asVoid(redis.use((client) => pause(client, [prefix + pauseKey(budget)], [Math.max(1, Math.round(durationMs))])))
  }
}

/** Windows shared by every replica through the shared ioredis client (LIM-11). */
export const layerRedisLimiterStore = (prefix: string, instanceId: string) =>
  Layer.effect(RateLimiterStore, Effect.map(RedisClient, (redis) => makeRedisLimiterStore(redis, prefix, instanceId)))
