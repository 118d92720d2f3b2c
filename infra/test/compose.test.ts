// docker-compose.yml cannot be run here (no Docker engine): lint it with dclint (YAML validity, the Compose JSON
// schema, style rules) and assert the structural facts the deployment depends on.
import { spawn, spawnSync } from "node:child_process"
import { createServer, type Server } from "node:http"
import { existsSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { fromRoot, OPS2_VARIABLES, readRepoFile, repoRoot, tsxScriptArgs } from "./support.js"

interface Service {
  readonly image?: string
  readonly build?: unknown
  readonly command?: ReadonlyArray<string> | string
  readonly entrypoint?: ReadonlyArray<string> | string
  readonly environment?: Record<string, string | number | boolean | null>
  readonly user?: string
  readonly read_only?: boolean
  readonly restart?: string
  readonly tmpfs?: ReadonlyArray<string>
  readonly volumes?: ReadonlyArray<string>
  readonly ports?: ReadonlyArray<string>
  readonly networks?: ReadonlyArray<string>
  readonly profiles?: ReadonlyArray<string>
  readonly healthcheck?: { readonly test?: ReadonlyArray<string> | string; readonly disable?: boolean }
  readonly depends_on?: Record<string, { readonly condition: string }>
  readonly deploy?: { readonly replicas?: number | string }
  readonly cap_drop?: ReadonlyArray<string>
  readonly security_opt?: ReadonlyArray<string>
}
interface Compose {
  readonly services: Record<string, Service>
  readonly networks: Record<string, { readonly internal?: boolean } | null>
  readonly volumes: Record<string, unknown>
}

const dclint = fromRoot("infra", "node_modules", ".bin", "dclint")
const composeText = readRepoFile("docker-compose.yml")
// `merge: true` resolves the `<<: *app-service` merge keys the way Compose does.
const compose = parse(composeText, { merge: true }) as Compose
const service = (name: string): Service => {
  const found = compose.services[name]
  if (found === undefined) throw new Error(`docker-compose.yml has no service "${name}"`)
  return found
}
const APP_SERVICES = ["bot", "panel", "migrate"] as const
const REQUIRED_SECRETS = [
  "BOT_TOKEN", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "JWT_PRIVATE_KEY", "CSRF_SECRET", "WEBHOOK_SECRET",
  "PANEL_DOMAIN", "WEBHOOK_DOMAIN", "ACME_EMAIL"
]

interface DclintReport {
  readonly filePath: string
  readonly errorCount: number
  readonly warningCount: number
  readonly messages: ReadonlyArray<{ readonly rule: string; readonly message: string; readonly line: number }>
}
const runDclint = (file: string) => {
  const run = spawnSync(dclint, ["-c", "infra/.dclintrc.yaml", "-f", "json", "--max-warnings", "0", file], {
    cwd: repoRoot,
    encoding: "utf8"
  })
  let report: ReadonlyArray<DclintReport> = []
  try {
    report = JSON.parse(run.stdout) as ReadonlyArray<DclintReport>
  } catch {
    throw new Error(`dclint printed no JSON (exit ${run.status}): ${run.stdout}\n${run.stderr}`)
  }
  return { status: run.status, report }
}

describe("docker-compose.yml: dclint", () => {
  it("reports no errors and no warnings", () => {
    const { status, report } = runDclint("docker-compose.yml")
    expect(report).toHaveLength(1)
    expect(report.flatMap((file) => file.messages.map((m) => `${m.line}: ${m.rule}: ${m.message}`))).toEqual([])
    expect(status).toBe(0)
  })

  it("really lints: a file that breaks the Compose schema and the style rules is rejected", () => {
    const dir = mkdtempSync(join(tmpdir(), "nezuko-dclint-"))
    const broken = join(dir, "docker-compose.yml")
    writeFileSync(broken, "services:\n  web:\n    image: nginx\n    ports:\n      - 8080:80\n    restart: sometimes\n")
    const { status, report } = runDclint(broken)
    expect(status).not.toBe(0)
    expect(report[0]?.errorCount ?? 0).toBeGreaterThan(0)
  })
})

describe("docker-compose.yml: structure", () => {
  it("has the services of the stack, prometheus only under the `monitoring` profile", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ["bot", "caddy", "migrate", "panel", "postgres", "prometheus", "redis"]
    )
    expect(service("prometheus").profiles).toEqual(["monitoring"])
    for (const name of ["bot", "caddy", "migrate", "panel", "postgres", "redis"]) {
      expect(service(name).profiles, name).toBeUndefined()
    }
  })

  it("pins every image to an exact version (no `latest`, no bare major)", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.image, name).toBeDefined()
      const image = svc.image ?? ""
      const tag = image.includes(":") ? image.slice(image.lastIndexOf(":") + 1) : ""
      expect(tag, `${name}: ${image}`).not.toBe("")
      expect(tag, `${name}: ${image}`).not.toMatch(/latest/)
      if (svc.build === undefined) {
        // third-party images: at least major.minor (postgres 15.14) or major.minor.patch
        expect(tag, `${name}: ${image}`).toMatch(/^v?\d+\.\d+(\.\d+)?(-[a-z0-9]+)?$/)
      }
    }
  })

  it("runs postgres with SCRAM-SHA-256 password auth, the init SQL and a pg_isready healthcheck", () => {
    const pg = service("postgres")
    expect(pg.image).toMatch(/^postgres:15\./)
    expect(pg.environment?.["POSTGRES_INITDB_ARGS"]).toContain("--auth-host=scram-sha-256")
    expect(pg.environment?.["POSTGRES_HOST_AUTH_METHOD"]).toBe("scram-sha-256")
    expect(pg.environment?.["POSTGRES_PASSWORD"]).toMatch(/^\$\{POSTGRES_PASSWORD:\?/)
    expect(pg.volumes).toContain("./infra/postgres/init.sql:/docker-entrypoint-initdb.d/10-nezuko.sql:ro")
    expect(readRepoFile("infra", "postgres", "init.sql")).toMatch(/password_encryption\s*=\s*'scram-sha-256'/)
    expect(JSON.stringify(pg.healthcheck?.test)).toContain("pg_isready")
  })

  it("runs redis with the ACL file through start.sh (default user off, `nezuko` user) and an authenticated healthcheck", () => {
    const redis = service("redis")
    expect(redis.image).toMatch(/^redis:7\./)
    const command = Array.isArray(redis.command) ? redis.command : []
    expect(command.slice(0, 2)).toEqual(["sh", "/usr/local/etc/redis/start.sh"])
    expect(redis.volumes).toContain("./infra/redis/users.acl:/usr/local/etc/redis/users.acl:ro")
    expect(redis.volumes).toContain("./infra/redis/start.sh:/usr/local/etc/redis/start.sh:ro")
    // start.sh's default template path is where compose mounts the ACL file, and it passes --aclfile.
    const startSh = readRepoFile("infra", "redis", "start.sh")
    expect(startSh).toContain("/usr/local/etc/redis/users.acl")
    expect(startSh).toMatch(/exec redis-server --aclfile/)
    const acl = readRepoFile("infra", "redis", "users.acl")
    expect(acl).toMatch(/^user default off\b/m)
    expect(acl).toMatch(/^user nezuko on #@NEZUKO_PASSWORD_SHA256@ .*~nz:\*.*&nz:\*/m)
    expect(redis.environment?.["REDIS_PASSWORD"]).toMatch(/^\$\{REDIS_PASSWORD:\?/)
    const health = JSON.stringify(redis.healthcheck?.test)
    expect(health).toContain("--user nezuko")
    expect(health).toContain("ping")
  })

  it("gives bot, panel and migrate the production environment: DATABASE_URL, REDIS_URL, secrets", () => {
    for (const name of APP_SERVICES) {
      const env = service(name).environment ?? {}
      expect(env["ENVIRONMENT"], name).toBe("production")
      expect(env["DATABASE_URL"], name).toMatch(/^postgres:\/\/nezuko:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432\/nezuko$/)
      expect(env["REDIS_URL"], name).toMatch(/^redis:\/\/nezuko:\$\{REDIS_PASSWORD:\?[^}]*\}@redis:6379(\/\d+)?$/)
      expect(env["BOT_TOKEN"], name).toMatch(/^\$\{BOT_TOKEN:\?/)
      expect(env["JWT_PRIVATE_KEY"], name).toMatch(/^\$\{JWT_PRIVATE_KEY:\?/)
      expect(env["CSRF_SECRET"], name).toMatch(/^\$\{CSRF_SECRET:\?/)
      expect(env["PANEL_PUBLIC_URL"], name).toMatch(/^https:\/\/\$\{PANEL_DOMAIN:\?/)
      expect(env["DATA_DIR"], name).toBe("/data")
      expect(env["HEALTH_PORT"], name).toBe("9464")
      // Every variable handed to the app is one the SPEC defines (catches typos in pass-through keys).
      for (const key of Object.keys(env)) expect(OPS2_VARIABLES, `${name}: ${key}`).toContain(key)
      // Fixed on purpose: the Redis ACL and the Caddy route depend on their defaults.
      expect(env, name).not.toHaveProperty("REDIS_KEY_PREFIX")
      expect(env, name).not.toHaveProperty("WEBHOOK_PATH")
    }
  })

  it("requires every secret with ${VAR:?…} and never gives one a default", () => {
    for (const name of REQUIRED_SECRETS) {
      expect(composeText, name).toContain(`\${${name}:?`)
      expect(composeText, name).not.toContain(`\${${name}:-`)
      expect(composeText, name).not.toMatch(new RegExp(`\\$\\{${name}\\}`))
    }
  })

  it("hardens the app services: read-only root, tmpfs /tmp, DATA_DIR volume, non-root, no capabilities", () => {
    for (const name of APP_SERVICES) {
      const svc = service(name)
      expect(svc.read_only, name).toBe(true)
      expect(svc.user, name).toBe("10001:10001")
      expect(svc.tmpfs, name).toContain("/tmp")
      expect(svc.volumes, name).toContain("app-data:/data")
      expect(svc.cap_drop, name).toEqual(["ALL"])
      expect(svc.security_opt, name).toContain("no-new-privileges:true")
      expect(svc.build, name).toEqual({ context: ".", dockerfile: "infra/Dockerfile" })
      expect(svc.image, name).toBe("nezuko:local")
    }
  })

  it("runs every service read-only with a restart policy, and all but Caddy as a non-root user", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      expect(svc.read_only, name).toBe(true)
      expect(svc.restart, name).toBe(name === "migrate" ? "no" : "unless-stopped")
      if (name === "caddy") continue
      expect(svc.user, name).toBeDefined()
      expect(svc.user, name).not.toMatch(/^(0|root)(:|$)/)
    }
  })

  it("starts the same entry points as the root package.json scripts (node --import tsx …)", () => {
    expect(service("bot").command).toEqual(["node", "--import", "tsx", ...tsxScriptArgs("bot")])
    expect(service("panel").command).toEqual(["node", "--import", "tsx", ...tsxScriptArgs("panel")])
    expect(service("migrate").command).toEqual(["node", "--import", "tsx", ...tsxScriptArgs("nezuko"), "migrate"])
  })

  it("health-checks bot and panel on /healthz of HEALTH_PORT; migrate is a one-shot job they wait for", () => {
    for (const name of ["bot", "panel"]) {
      const test = service(name).healthcheck?.test
      expect(Array.isArray(test) ? test.join(" ") : test, name).toContain("http://127.0.0.1:9464/healthz")
      expect(service(name).depends_on?.["migrate"], name).toEqual({ condition: "service_completed_successfully" })
      expect(service(name).depends_on?.["postgres"], name).toEqual({ condition: "service_healthy" })
    }
    expect(service("migrate").healthcheck).toEqual({ disable: true })
    expect(service("migrate").depends_on?.["postgres"]).toEqual({ condition: "service_healthy" })
    for (const name of ["caddy", "postgres", "redis", "prometheus"]) {
      expect(service(name).healthcheck?.test, name).toBeDefined()
    }
  })

  it("runs the bot in webhook mode with replicas and no fixed container name or published port", () => {
    const bot = service("bot")
    expect(bot.environment?.["BOT_MODE"]).toBe("webhook")
    expect(bot.environment?.["WEBHOOK_URL"]).toMatch(/^https:\/\/\$\{WEBHOOK_DOMAIN:\?/)
    expect(bot.environment?.["WEBHOOK_SECRET"]).toMatch(/^\$\{WEBHOOK_SECRET:\?/)
    expect(bot.environment?.["WEBHOOK_PORT"]).toBe("8443")
    expect(bot.environment?.["NEZUKO_ROLES"]).toContain("bot")
    expect(bot.deploy?.replicas).toBeDefined()
    expect(bot).not.toHaveProperty("container_name")
    expect(bot.ports).toBeUndefined()
    expect(service("panel").environment?.["NEZUKO_ROLES"]).toBe("panel")
  })

  it("publishes only Caddy's 80/443 (and Prometheus on loopback); databases stay on the internal network", () => {
    expect(service("caddy").ports).toEqual(["80:80", "443:443", "443:443/udp"])
    expect(service("prometheus").ports).toEqual(["127.0.0.1:9090:9090"])
    for (const [name, svc] of Object.entries(compose.services)) {
      if (name === "caddy" || name === "prometheus") continue
      expect(svc.ports, name).toBeUndefined()
    }
    expect(composeText).not.toMatch(/9464:/) // the health port is never published
    expect(compose.networks["backend"]?.internal).toBe(true)
    expect(service("postgres").networks).toEqual(["backend"])
    expect(service("redis").networks).toEqual(["backend"])
    expect(service("migrate").networks).toEqual(["backend"])
    expect(service("caddy").networks).toEqual(["edge"])
    for (const name of ["bot", "panel"]) expect(service(name).networks, name).toEqual(["backend", "edge"])
  })

  it("gives Caddy the Caddyfile, persistent data/config volumes and the domains", () => {
    const caddy = service("caddy")
    expect(caddy.image).toMatch(/^caddy:2\.\d+\.\d+$/)
    expect(caddy.volumes).toEqual(
      expect.arrayContaining(["./infra/caddy/Caddyfile:/etc/caddy/Caddyfile:ro", "caddy-data:/data", "caddy-config:/config"])
    )
    expect(Object.keys(caddy.environment ?? {}).sort()).toEqual(["ACME_EMAIL", "PANEL_DOMAIN", "WEBHOOK_DOMAIN"])
  })

  it("bind-mounts only files that exist in the repository, and declares every named volume", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const volume of svc.volumes ?? []) {
        const source = volume.split(":")[0] ?? ""
        if (source.startsWith("./")) expect(existsSync(fromRoot(source)), `${name}: ${source}`).toBe(true)
        else expect(compose.volumes, `${name}: ${source}`).toHaveProperty(source)
      }
    }
  })

  it("points Prometheus at bot and panel on :9464/metrics with the bearer token file compose writes", () => {
    const prometheus = service("prometheus")
    expect(prometheus.volumes).toContain("./infra/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro")
    expect(JSON.stringify(prometheus.command)).toContain("/tmp/metrics_token")
    expect(prometheus.environment).toHaveProperty("METRICS_TOKEN")
    const config = parse(readRepoFile("infra", "prometheus", "prometheus.yml")) as {
      scrape_configs: ReadonlyArray<{
        job_name: string
        metrics_path?: string
        authorization?: { type?: string; credentials_file?: string }
        dns_sd_configs?: ReadonlyArray<{ names: ReadonlyArray<string>; type: string; port: number }>
      }>
    }
    for (const target of ["bot", "panel"]) {
      const job = config.scrape_configs.find((j) => j.dns_sd_configs?.some((sd) => sd.names.includes(target)))
      expect(job, target).toBeDefined()
      expect(job?.metrics_path, target).toBe("/metrics")
      expect(job?.authorization, target).toEqual({ type: "Bearer", credentials_file: "/tmp/metrics_token" })
      expect(job?.dns_sd_configs?.[0]?.port, target).toBe(9464)
    }
  })
})

describe("docker-compose.yml: the bot/panel healthcheck command", () => {
  let server: Server
  let port = 0
  let status = 200
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === "/healthz" ? status : 404
      res.end()
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const address = server.address()
    port = typeof address === "object" && address ? address.port : 0
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  // Runs the exact `node -e` script of the compose healthcheck, pointed at a local server instead of :9464.
  // (Asynchronously: the server lives in this process and must keep answering.)
  const runHealthcheck = (): Promise<number | null> => {
    const test = service("bot").healthcheck?.test
    if (!Array.isArray(test) || test[0] !== "CMD") throw new Error("bot healthcheck is not a CMD array")
    const [, command, ...args] = test as ReadonlyArray<string>
    const patched = args.map((arg) => arg.replace(":9464/", `:${port}/`))
    expect(patched.join(" ")).toContain(`:${port}/healthz`)
    return new Promise((resolve, reject) => {
      const child = spawn(command ?? "", patched, { stdio: "ignore", timeout: 20_000 })
      child.once("error", reject)
      child.once("exit", (code) => resolve(code))
    })
  }

  it("exits 0 when /healthz answers 200 and 1 otherwise", async () => {
    status = 200
    expect(await runHealthcheck()).toBe(0)
    status = 503
    expect(await runHealthcheck()).toBe(1)
  })
})
