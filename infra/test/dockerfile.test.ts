// infra/Dockerfile cannot be built here (no Docker engine): parse it and check what OPS-15 requires, and run its
// HEALTHCHECK command against a local server.
import { spawn } from "node:child_process"
import { createServer, type Server } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { readRepoFile, tsxScriptArgs } from "./support.js"

interface Instruction {
  readonly keyword: string
  readonly args: string
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
const parseDockerfile = (text: string): ReadonlyArray<Instruction> => {
  const logical: Array<string> = []
  let current = ""
  for (const raw of text.split("\n")) {
    const line = raw.trim()
    if (current === "" && (line === "" || line.startsWith("#"))) continue
    if (line.startsWith("#")) continue
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " "
      continue
    }
    logical.push(current + line)
    current = ""
  }
  if (current !== "") logical.push(current)
  return logical.map((line) => {
    const [keyword = "", ...rest] = line.split(/\s+/)
    return { keyword: keyword.toUpperCase(), args: rest.join(" ") }
  })
}

const instructions = parseDockerfile(readRepoFile("infra", "Dockerfile"))
const stages = instructions.flatMap((ins, index) => {
  if (ins.keyword !== "FROM") return []
  const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)
  return match ? [{ image: match[1]!, name: match[2], index }] : []
})
const finalStageStart = stages.at(-1)?.index ?? 0
const finalStage = instructions.slice(finalStageStart)
const runs = instructions.filter((i) => i.keyword === "RUN").map((i) => i.args).join("\n")
const last = (keyword: string) => finalStage.filter((i) => i.keyword === keyword).at(-1)

describe("infra/Dockerfile", () => {
  it("is a multi-stage build (deps → build → runtime) on a pinned Node bookworm-slim image", () => {
    expect(stages.length).toBeGreaterThanOrEqual(3)
    expect(stages.map((s) => s.name)).toEqual(expect.arrayContaining(["deps", "build", "runtime"]))
    const stageNames = new Set(stages.flatMap((s) => (s.name ? [s.name] : [])))
    for (const stage of stages) {
      if (stageNames.has(stage.image)) continue
      expect(stage.image).toMatch(/^node:20\.\d+\.\d+-bookworm-slim$/)
    }
    expect(stages.at(-1)?.image).toMatch(/^node:/) // the runtime starts from a clean base, not from `build`
    expect(instructions.some((i) => i.keyword === "COPY" && i.args.startsWith("--from=build "))).toBe(true)
  })

  it("installs the pnpm of packageManager with npm (no corepack) and the frozen lockfile", () => {
    const packageManager = (JSON.parse(readRepoFile("package.json")) as { packageManager: string }).packageManager
    const version = packageManager.replace(/^pnpm@/, "")
    expect(runs).toContain(`npm i -g pnpm@${version}`)
    expect(runs).toMatch(/pnpm install --frozen-lockfile/)
    expect(readRepoFile("infra", "Dockerfile").toLowerCase()).not.toMatch(/^\s*run .*corepack/m)
  })

  it("builds the Remix panel with the package's build script", () => {
    const panel = JSON.parse(readRepoFile("remix-app", "package.json")) as { name: string; scripts: Record<string, string> }
    expect(runs).toContain(`pnpm --filter ${panel.name} build`)
    expect(panel.scripts["build"]).toBe("remix vite:build")
  })

  it("runs as the non-root user 10001 with DATA_DIR=/data as a volume", () => {
    expect(last("USER")?.args).toBe("10001:10001")
    expect(runs).toMatch(/useradd .*--uid 10001/)
    expect(finalStage.some((i) => i.keyword === "ENV" && /\bDATA_DIR=\/data\b/.test(i.args))).toBe(true)
    expect(last("VOLUME")?.args).toContain("/data")
    // USER comes after everything that needs root in the final stage
    const userIndex = finalStage.findIndex((i) => i.keyword === "USER")
    expect(finalStage.slice(userIndex).some((i) => i.keyword === "RUN")).toBe(false)
  })

  it("defaults to the bot entry point of `pnpm bot` (node --import tsx …)", () => {
    expect(JSON.parse(last("CMD")?.args ?? "null")).toEqual(["node", "--import", "tsx", ...tsxScriptArgs("bot")])
  })

  it("ignores local state, dependencies and secrets in the build context (.dockerignore)", () => {
    const ignored = readRepoFile(".dockerignore").split("\n").map((l) => l.trim())
    for (const entry of ["**/node_modules", "**/.data", "**/build", ".git", ".env", "vitest.json"]) {
      expect(ignored, entry).toContain(entry)
    }
  })
})

describe("infra/Dockerfile HEALTHCHECK", () => {
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

  const healthcheck = last("HEALTHCHECK")?.args ?? ""
  const runHealthcheck = (healthPort: number): Promise<number | null> => {
    const cmd = /\bCMD\s+(\[.*\])\s*$/.exec(healthcheck)
    if (!cmd) throw new Error(`HEALTHCHECK is not in exec form: ${healthcheck}`)
    const [command, ...args] = JSON.parse(cmd[1]!) as ReadonlyArray<string>
    return new Promise((resolve, reject) => {
      const child = spawn(command ?? "", args, {
        stdio: "ignore",
        timeout: 20_000,
        env: { ...process.env, HEALTH_PORT: String(healthPort) }
      })
      child.once("error", reject)
      child.once("exit", (code) => resolve(code))
    })
  }

  it("has interval, timeout and retries and probes /healthz on HEALTH_PORT", () => {
    expect(healthcheck).toMatch(/--interval=\d+s/)
    expect(healthcheck).toMatch(/--timeout=\d+s/)
    expect(healthcheck).toMatch(/--retries=\d+/)
    expect(healthcheck).toContain("/healthz")
    expect(healthcheck).toContain("HEALTH_PORT")
    expect(healthcheck).not.toMatch(/\bcurl\b|\bwget\b/) // not in the slim image
  })

  it("exits 0 on 200 and 1 on 503 or when nothing listens", async () => {
    status = 200
    expect(await runHealthcheck(port)).toBe(0)
    status = 503
    expect(await runHealthcheck(port)).toBe(1)
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer()
      probe.listen(0, "127.0.0.1", () => {
        const address = probe.address()
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 0))
      })
    })
    expect(await runHealthcheck(closed)).toBe(1)
  })
})
