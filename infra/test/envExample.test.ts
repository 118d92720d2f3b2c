// infra/.env.example documents every variable of SPEC OPS-2 (read from ../shared/SPEC.md when it is there,
// otherwise from the literal list in support.ts) plus the variables only docker-compose.yml reads.
import { describe, expect, it } from "vitest"
import { COMPOSE_ONLY_VARIABLES, OPS2_VARIABLES, ops2VariablesFromSpec, readRepoFile, readSpec } from "./support.js"

const example = readRepoFile("infra", ".env.example")
const lines = example.split("\n")
/** VAR=value lines, active or commented out (`# VAR=default` documents an unset variable's default). */
const documented = new Map<string, { readonly active: boolean; readonly value: string; readonly comment: string }>()
lines.forEach((line, index) => {
  const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)
  if (!match) return
  const previous = lines[index - 1] ?? ""
  documented.set(match[2]!, {
    active: match[1] === undefined,
    value: match[3]!,
    comment: previous.startsWith("#") && !/^#\s*[A-Z][A-Z0-9_]*=/.test(previous) ? previous : ""
  })
})

describe("infra/.env.example", () => {
  const spec = readSpec()

  it("the literal OPS-2 list matches SPEC.md when ../shared/SPEC.md is present", () => {
    if (spec === undefined) {
      // CI keeps shared/ beside the clone; without it the literal list is all there is.
      expect(OPS2_VARIABLES.length).toBeGreaterThanOrEqual(47)
      return
    }
    const fromSpec = ops2VariablesFromSpec(spec)
    expect(fromSpec.length).toBeGreaterThanOrEqual(40)
    expect([...OPS2_VARIABLES].sort()).toEqual([...fromSpec].sort())
  })

  it("documents every OPS-2 variable with a one-line comment", () => {
    const names = new Set([...OPS2_VARIABLES, ...(spec === undefined ? [] : ops2VariablesFromSpec(spec))])
    const missing = [...names].filter((name) => !documented.has(name))
    expect(missing).toEqual([])
    const uncommented = [...names].filter((name) => documented.get(name)?.comment === "")
    expect(uncommented).toEqual([])
  })

  it("documents the compose-only variables and every variable docker-compose.yml interpolates", () => {
    for (const name of COMPOSE_ONLY_VARIABLES) expect(documented.has(name), name).toBe(true)
    const compose = readRepoFile("docker-compose.yml")
    const interpolated = new Set([...compose.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!))
    expect(interpolated.size).toBeGreaterThan(5)
    expect([...interpolated].filter((name) => !documented.has(name))).toEqual([])
  })

  it("shows the SPEC defaults and holds no real secret", () => {
    const expectations: Record<string, string> = {
      ENVIRONMENT: "development", TELEGRAM_API_ROOT: "https://api.telegram.org", BOT_MODE: "auto",
      WEBHOOK_PATH: "/telegram/webhook", WEBHOOK_PORT: "8443", WEBHOOK_MAX_CONNECTIONS: "40",
      DATABASE_POOL_SIZE: "20", DATA_DIR: "./.data", REDIS_KEY_PREFIX: "nz:", SENTRY_TRACES_SAMPLE_RATE: "0.1",
      PANEL_PORT: "3000", PANEL_PUBLIC_URL: "http://localhost:3000", PANEL_TIMEZONE: "UTC", HEALTH_PORT: "9464",
      JWT_AUDIENCE: "nezuko-panel", ACCESS_TOKEN_TTL: "900", REFRESH_TOKEN_TTL: "604800", CACHE_POSITIVE_TTL: "600",
      CACHE_NEGATIVE_TTL: "60", CACHE_JITTER_PERCENT: "15", RATE_LIMIT_GLOBAL: "25", RATE_LIMIT_PER_GROUP: "20",
      RATE_LIMIT_API_CALLS: "100", RATE_LIMIT_RETRIES: "3", VERIFICATION_LOG_RETENTION_DAYS: "90",
      AUDIT_LOG_RETENTION_DAYS: "365", NEZUKO_ROLES: "bot,panel,jobs", SHUTDOWN_GRACE_SECONDS: "10",
      SANDBOX_PORT: "8081"
    }
    for (const [name, value] of Object.entries(expectations)) expect(documented.get(name)?.value, name).toBe(value)
    const secrets = ["BOT_TOKEN", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "JWT_PRIVATE_KEY", "CSRF_SECRET", "WEBHOOK_SECRET"]
    for (const name of secrets) expect(documented.get(name)?.value, name).toBe("")
  })
})
