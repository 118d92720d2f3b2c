// Shared helpers of the infrastructure tests (not a test file itself).
import { existsSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { join } from "node:path"
import { freePort } from "@nezuko/testing"

/** Repository root (this file lives in infra/test/). */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url))
export const fromRoot = (...parts: ReadonlyArray<string>): string => join(repoRoot, ...parts)
export const readRepoFile = (...parts: ReadonlyArray<string>): string => readFileSync(fromRoot(...parts), "utf8")

/**
 * SPEC OPS-2's variables, kept literally so the tests work where ../shared/ is missing.
 * envExample.test.ts fails when the SPEC (if present) lists a variable this list lacks.
 */
export const OPS2_VARIABLES: ReadonlyArray<string> = [
  "ENVIRONMENT", "BOT_TOKEN", "SANDBOX_BOT_TOKEN", "TELEGRAM_API_ROOT", "BOT_MODE", "WEBHOOK_URL", "WEBHOOK_PATH",
  "WEBHOOK_SECRET", "WEBHOOK_PORT", "WEBHOOK_MAX_CONNECTIONS", "DATABASE_URL", "DATABASE_POOL_SIZE", "DATA_DIR",
  "REDIS_URL", "REDIS_KEY_PREFIX", "SENTRY_DSN", "SENTRY_TRACES_SAMPLE_RATE", "LOG_LEVEL", "LOG_FORMAT",
  "PANEL_PORT", "PANEL_PUBLIC_URL", "PANEL_ALLOWED_ORIGINS", "PANEL_TIMEZONE", "HEALTH_PORT", "METRICS_TOKEN",
  "JWT_PRIVATE_KEY", "JWT_PRIVATE_KEY_FILE", "JWT_PUBLIC_KEYS", "JWT_PUBLIC_KEYS_FILE", "JWT_ISSUER", "JWT_AUDIENCE",
  "ACCESS_TOKEN_TTL", "REFRESH_TOKEN_TTL", "CSRF_SECRET", "CACHE_POSITIVE_TTL", "CACHE_NEGATIVE_TTL",
  "CACHE_JITTER_PERCENT", "RATE_LIMIT_GLOBAL", "RATE_LIMIT_PER_GROUP", "RATE_LIMIT_API_CALLS", "RATE_LIMIT_RETRIES",
  "VERIFICATION_LOG_RETENTION_DAYS", "AUDIT_LOG_RETENTION_DAYS", "NEZUKO_ROLES", "INSTANCE_ID",
  "SHUTDOWN_GRACE_SECONDS", "SANDBOX_PORT"
]

/** Variables only docker-compose.yml reads (not the app). */
export const COMPOSE_ONLY_VARIABLES: ReadonlyArray<string> = [
  "POSTGRES_PASSWORD", "REDIS_PASSWORD", "PANEL_DOMAIN", "WEBHOOK_DOMAIN", "ACME_EMAIL"
]

/** The SPEC beside the clone (../shared/SPEC.md), or undefined when it is not there. */
export const specPath = fromRoot("..", "shared", "SPEC.md")
export const readSpec = (): string | undefined => (existsSync(specPath) ? readFileSync(specPath, "utf8") : undefined)

/** Variable names of the OPS-2 table: first column of the table rows between **OPS-2** and **OPS-3**. */
export const ops2VariablesFromSpec = (spec: string): ReadonlyArray<string> => {
  const start = spec.indexOf("**OPS-2**")
  const end = spec.indexOf("**OPS-3**", start)
  if (start < 0 || end < 0) throw new Error("SPEC.md has no OPS-2 … OPS-3 section")
  const names = new Set<string>()
  for (const line of spec.slice(start, end).split("\n")) {
    if (!line.startsWith("| `")) continue
    const firstColumn = line.split("|")[1] ?? ""
    for (const match of firstColumn.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(match[1]!)
  }
  return [...names]
}

export { freePort }

/** The arguments `tsx` gets in a root package.json script, e.g. "tsx packages/bot/src/main.ts" → [path]. */
export const tsxScriptArgs = (script: string): ReadonlyArray<string> => {
  const scripts = (JSON.parse(readRepoFile("package.json")) as { scripts: Record<string, string> }).scripts
  const value = scripts[script]
  if (value === undefined) throw new Error(`root package.json has no "${script}" script`)
  const [runner, ...args] = value.trim().split(/\s+/)
  if (runner !== "tsx") throw new Error(`script "${script}" is not run by tsx: ${value}`)
  return args
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
