import { BaseLive, CacheLive, DatabaseLive, EngineReposLive } from "@nezuko/core"
import { BotLive, seedDemoProtection } from "@nezuko/bot"
import { DEMO, type SandboxDriver, startSandbox } from "@nezuko/telegram-sandbox"
import { SqlClient } from "@effect/sql"
import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { createDatabase } from "./support.js"

/**
 * The real bot (polling, features, engine, TelegramApi with limiter and breakers) against the sandbox's demo
 * world, on a throwaway PostgreSQL database and the memory cache: the AT-* scenarios' ground truth.
 */
export const startBot = async (env: Record<string, string> = {}) => {
  const sandbox = await startSandbox({ demo: true })
  const db = await createDatabase()
  const config = ConfigProvider.fromMap(new Map(Object.entries({
    TELEGRAM_API_ROOT: sandbox.apiRoot,
    SANDBOX_BOT_TOKEN: sandbox.token,
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: "4",
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "error",
    LOG_FORMAT: "json",
    INSTANCE_ID: "e2e",
    NEZUKO_ROLES: "bot",
    ...env
  })))
  const layer = Layer.mergeAll(BotLive, EngineReposLive).pipe(
    Layer.provideMerge(Layer.merge(DatabaseLive, CacheLive)),
    Layer.provideMerge(BaseLive("bot")),
    Layer.provide(Layer.setConfigProvider(config))
  )
  const runtime = ManagedRuntime.make(layer)
  await runtime.runtime()
  await runtime.runPromise(seedDemoProtection({ group: DEMO.group, channels: [DEMO.channel, DEMO.news], protectedBy: DEMO.users.carol.id }))
  await sandbox.driver.waitForPolling({ timeoutMs: 10_000 })
  const query = <A extends object>(text: string) => runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<A>(text)))
  return {
    sandbox,
    driver: sandbox.driver as SandboxDriver,
    runtime,
    query,
    close: async () => {
      await runtime.dispose()
      await sandbox.close()
      await db.drop()
    }
  }
}

export type BotHarness = Awaited<ReturnType<typeof startBot>>

/** Waits until the verification log holds `n` rows matching `where` (decisions are written in batches). */
export const waitForDecisions = async (h: BotHarness, where: string, n = 1, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const rows = await h.query<{ decision: string; reason: string | null; missingChannelIds: Array<number>; cached: boolean | null; trigger: string; correlationId: string | null }>(
      `SELECT decision, reason, missing_channel_ids, cached, trigger, correlation_id FROM verification_log WHERE ${where} ORDER BY id`
    )
    if (rows.length >= n) return rows
    if (Date.now() > deadline) throw new Error(`expected ${n} decisions where ${where}, found ${rows.length}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
