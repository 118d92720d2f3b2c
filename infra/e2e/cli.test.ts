import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createDatabase, startProcess } from "./support.js"

const cli = "packages/cli/src/main.ts"

describe("pnpm nezuko", () => {
  let db: Awaited<ReturnType<typeof createDatabase>>
  beforeAll(async () => {
    db = await createDatabase()
  })
  afterAll(async () => {
    await db?.drop()
  })

  const run = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
    const p = startProcess(cli, { DATABASE_URL: db.url, LOG_LEVEL: "warn", ...env }, args)
    return { code: await p.exited, out: p.output() }
  }

  it("migrate --status lists pending migrations, migrate applies them, and a second run is a no-op", async () => {
    const before = await run(["migrate", "--status"])
    expect(before.code).toBe(0)
    expect(before.out).toMatch(/0001_groups_channels\s+pending/)
    const applied = await run(["migrate"])
    expect(applied.code).toBe(0)
    expect(applied.out).toContain("applied 1_groups_channels")
    const again = await run(["migrate"])
    expect(again.out).toContain("nothing to migrate")
    const after = await run(["migrate", "--status"])
    expect(after.out).toContain("database is up to date")
  })

  it("config check prints the configuration with every secret masked", async () => {
    const result = await run(["config", "check"], {
      DATABASE_URL: "postgres://nz:hunter2hunter2@127.0.0.1:5432/nz",
      BOT_TOKEN: "123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      CSRF_SECRET: "0123456789abcdef0123456789abcdef-secret"
    })
    expect(result.code).toBe(0)
    expect(result.out).toContain("configuration is valid")
    expect(result.out).toContain("postgres://nz:*****@127.0.0.1:5432/nz")
    for (const secret of ["hunter2hunter2", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "0123456789abcdef0123456789abcdef-secret"]) {
      expect(result.out).not.toContain(secret)
    }
  })

  it("config check with a bad variable exits 78", async () => {
    const result = await run(["config", "check"], { CACHE_JITTER_PERCENT: "99" })
    expect(result.code).toBe(78)
    expect(result.out).toContain("CACHE_JITTER_PERCENT: must be an integer from 0 to 50")
  })
})
