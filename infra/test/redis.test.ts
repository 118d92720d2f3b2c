// infra/redis/start.sh + users.acl against a real redis-server (the CI machine has Redis 7): the rendered ACL
// must load, lock out the default user and give `nezuko` exactly what the app needs (nz:* keys and channels).
import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Redis } from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort, fromRoot, sleep } from "./support.js"

const PASSWORD = "test-Password_0123456789abcdef"

describe("infra/redis: start.sh renders users.acl for redis-server", () => {
  let server: ChildProcess | undefined
  let log = ""
  let port = 0
  let tmp = ""
  const clients: Array<Redis> = []
  const client = (options: { username?: string; password?: string; keyPrefix?: string; enableReadyCheck?: boolean } = {}): Redis => {
    const redis = new Redis({ host: "127.0.0.1", port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...options })
    redis.on("error", () => {}) // failures are asserted through the returned promises
    clients.push(redis)
    return redis
  }

  beforeAll(async () => {
    port = await freePort()
    tmp = mkdtempSync(join(tmpdir(), "nezuko-redis-"))
    server = spawn(
      "sh",
      [fromRoot("infra", "redis", "start.sh"), "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp],
      {
        env: { ...process.env, REDIS_PASSWORD: PASSWORD, REDIS_ACL_TEMPLATE: fromRoot("infra", "redis", "users.acl"), TMPDIR: tmp },
        stdio: ["ignore", "pipe", "pipe"]
      }
    )
    server.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString()))
    server.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()))
    const deadline = Date.now() + 15_000
    while (!log.includes("Ready to accept connections")) {
      if (server.exitCode !== null || Date.now() > deadline) {
        throw new Error(`redis-server did not start (exit ${server.exitCode}; is redis-server installed?):\n${log}`)
      }
      await sleep(50)
    }
  })

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())))
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once("exit", resolve))
      server.kill("SIGTERM")
      await Promise.race([exited, sleep(5_000)])
      if (server.exitCode === null) server.kill("SIGKILL")
    }
  })

  it("stores only the SHA-256 of the password in the rendered ACL file", () => {
    const dirs = readdirSync(tmp).filter((name) => name.startsWith("redis-acl."))
    expect(dirs).toHaveLength(1)
    const rendered = readFileSync(join(tmp, dirs[0]!, "users.acl"), "utf8")
    expect(rendered).not.toContain(PASSWORD)
    expect(rendered).not.toContain("@NEZUKO_PASSWORD_SHA256@")
    expect(rendered).not.toMatch(/^#/m)
    expect(rendered).toMatch(/^user nezuko on #[0-9a-f]{64} /m)
  })

  it("refuses clients without credentials and the default user", async () => {
    const anonymous = client({ enableReadyCheck: false })
    await anonymous.connect()
    await expect(anonymous.get("nz:x")).rejects.toThrow(/NOAUTH/)
    await expect(anonymous.call("auth", "default", PASSWORD)).rejects.toThrow(/WRONGPASS/)
    await expect(anonymous.call("auth", PASSWORD)).rejects.toThrow(/WRONGPASS/)
    await expect(anonymous.call("auth", "nezuko", "not-the-password")).rejects.toThrow(/WRONGPASS/)
    expect(await anonymous.call("auth", "nezuko", PASSWORD)).toBe("OK")
  })

  it("lets `nezuko` use nz:* keys the way the app does (ioredis with keyPrefix, ready check, Lua, MULTI)", async () => {
    const redis = client({ username: "nezuko", password: PASSWORD, keyPrefix: "nz:" })
    await redis.connect() // runs ioredis' INFO ready check
    expect(await redis.set("cache:member:1:2", "1", "PX", 60_000)).toBe("OK")
    expect(await redis.mget("cache:member:1:2", "cache:member:1:3")).toEqual(["1", null])
    expect(await redis.pttl("cache:member:1:2")).toBeGreaterThan(0)
    expect(await redis.incr("rl:global")).toBe(1)
    expect(await redis.eval("return redis.call('incrby', KEYS[1], ARGV[1])", 1, "rl:script", "5")).toBe(5)
    expect(await redis.multi().set("lock:a", "x", "PX", 1000, "NX").del("lock:a").exec()).toEqual([[null, "OK"], [null, 1]])
    expect(await redis.zadd("logs", 1, "entry")).toBe(1)
    expect(await redis.hset("cfg:1", "k", "v")).toBe(1)
    expect(await redis.del("cache:member:1:2", "rl:global", "rl:script", "logs", "cfg:1")).toBe(5)
  })

  it("keeps `nezuko` out of other keys, other channels and dangerous commands", async () => {
    const redis = client({ username: "nezuko", password: PASSWORD })
    await redis.connect()
    await expect(redis.set("other:key", "1")).rejects.toThrow(/NOPERM/)
    await expect(redis.publish("other-channel", "x")).rejects.toThrow(/NOPERM/)
    for (const command of [["flushall"], ["flushdb"], ["keys", "*"], ["config", "get", "maxmemory"], ["acl", "list"], ["shutdown"], ["function", "flush"], ["script", "flush"], ["monitor"], ["client", "kill", "id", "999999"]]) {
      const [name, ...args] = command
      await expect(redis.call(name!, ...args), command.join(" ")).rejects.toThrow(/NOPERM/)
    }
  })

  it("delivers invalidation messages on nz:* channels", async () => {
    const subscriber = client({ username: "nezuko", password: PASSWORD })
    const publisher = client({ username: "nezuko", password: PASSWORD })
    await Promise.all([subscriber.connect(), publisher.connect()])
    const received = new Promise<string>((resolve) => subscriber.on("message", (_channel: string, message: string) => resolve(message)))
    await subscriber.subscribe("nz:invalidate")
    await expect(subscriber.subscribe("other")).rejects.toThrow(/NOPERM/)
    expect(await publisher.publish("nz:invalidate", "group:1")).toBe(1)
    expect(await received).toBe("group:1")
  })
})
