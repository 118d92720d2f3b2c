import { BotLive } from "@nezuko/bot"
import {
  type AppConfigShape,
  BaseLive,
  CacheLive,
  DatabaseLive,
  Health,
  HealthServerLive,
  type Role,
  Roles,
  type Service,
  untilBuilt,
  validateConfigOrExit
} from "@nezuko/core"
import { Duration, Effect, Fiber, Layer, Option } from "effect"
import { panelServices, withBackgroundWork } from "./app/layers.server.js"
import { installRuntime } from "./app/runtime.server.js"
import { createPanelApp } from "./server/app.js"
import { registerSandbox } from "./app/services/sandbox.server.js"
import { seedDemo, startDemoSandbox } from "./server/demo.js"

// `pnpm start` (every role, OPS-1) and `pnpm panel` (`--roles panel`): one process, one runtime, one log.

const rolesFromArgs = (argv: ReadonlyArray<string>): ReadonlyArray<Role> | undefined => {
  const at = argv.indexOf("--roles")
  const raw = at >= 0 ? argv[at + 1] : argv.find((a) => a.startsWith("--roles="))?.slice("--roles=".length)
  if (raw === undefined) return undefined
  const roles = raw.split(",").map((r) => r.trim()).filter((r): r is Role => (Roles as ReadonlyArray<string>).includes(r))
  if (roles.length === 0) {
    process.stderr.write(`--roles must list some of ${Roles.join(", ")}\n`)
    process.exit(64)
  }
  return roles
}

const banner = (lines: ReadonlyArray<string>) => {
  const width = Math.max(...lines.map((l) => l.length))
  process.stdout.write(`\n┌${"─".repeat(width + 2)}┐\n${lines.map((l) => `│ ${l.padEnd(width)} │`).join("\n")}\n└${"─".repeat(width + 2)}┘\n\n`)
}

const main = async (config: AppConfigShape) => {
  const roles = rolesFromArgs(process.argv) ?? config.roles
  const service: Service = roles.length === 1 && roles[0] !== undefined ? roles[0] : "all"
  const bot = roles.includes("bot")
  const sandbox = config.sandboxMode && bot && (process.env.TELEGRAM_API_ROOT ?? "") === "" ? await startDemoSandbox(config) : undefined
  // PANEL-16: the Sandbox page drives this in-process sandbox.
  registerSandbox(sandbox?.driver)

  // "panel" is pending from the first layer on, so /readyz never answers 200 before the panel listens.
  const panelStarting = Layer.effectDiscard(Effect.flatMap(Health, (h) => h.starting("panel")))
  const infrastructure = Layer.mergeAll(DatabaseLive, CacheLive, HealthServerLive).pipe(
    Layer.provide(panelStarting),
    Layer.provideMerge(BaseLive(service))
  )
  const runtime = installRuntime(withBackgroundWork(panelServices(infrastructure)), { signals: false })
  // Build now: a bad database or key fails the start, not the first request.
  await runtime.runtime().catch(async (error: unknown) => {
    process.stderr.write(`the panel could not start: ${error instanceof Error ? error.message : String(error)}\n`)
    await sandbox?.close()
    process.exit(1)
  })

  const demoOwner = config.sandboxMode ? await runtime.runPromise(seedDemo) : Option.none()
  // The bot role is built in the background while the panel starts. "process" is pending from before its
  // first layer until its last (the intake among them), so /readyz never says ready before updates are taken.
  if (bot) await runtime.runPromise(Effect.flatMap(Health, (h) => h.starting("process")))
  const roleFiber = bot ? runtime.runFork(Layer.launch(untilBuilt(BotLive))) : undefined

  const app = await createPanelApp(runtime, { built: config.environment === "production", publicOrigin: config.panelPublicUrl.origin })
  const host = config.environment === "production" ? "0.0.0.0" : "127.0.0.1"
  await new Promise<void>((resolve) => app.server.listen(config.panelPort, host, resolve))
  const address = app.server.address()
  const port = typeof address === "object" && address !== null ? address.port : config.panelPort
  await runtime.runPromise(Effect.flatMap(Health, (h) => h.ready("panel")).pipe(
    Effect.zipRight(Effect.logInfo(`panel listening on http://${host}:${port}`)),
    Effect.annotateLogs({ roles: roles.join(","), port: String(port) })
  ))

  banner([
    `Nezuko is running (${roles.join(", ")}${config.sandboxMode ? ", sandbox Telegram" : ""})`,
    `Panel:         ${config.panelPublicUrl.origin}${config.panelPublicUrl.port === "" || Number(config.panelPublicUrl.port) === port ? "" : ` (listening on ${port})`}`,
    ...(sandbox ? [`Sandbox API:   ${sandbox.apiRoot}   control: ${sandbox.controlUrl}/`] : []),
    ...Option.match(demoOwner, {
      onNone: () => [],
      onSome: (o) => [`Demo Owner:    ${o.email}`, `Password:      ${o.password}   (shown once; change it under Account)`]
    }),
    "Stop with Ctrl-C"
  ])

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    setTimeout(() => {
      process.stderr.write("shutdown took too long; exiting\n")
      process.exit(1)
    }, Duration.toMillis(config.shutdownGrace)).unref()
    await runtime.runPromise(Effect.flatMap(Health, (h) => h.beginShutdown).pipe(Effect.zipRight(Effect.logInfo(`${signal}: shutting down`))))
    await app.close()
    // The roles first, then the runtime: disposing first would close the pool under a running bot (CONVENTIONS §6).
    if (roleFiber) await runtime.runPromise(Fiber.interrupt(roleFiber))
    await runtime.dispose()
    await sandbox?.close()
    process.exit(0)
  }
  process.once("SIGINT", () => void stop("SIGINT"))
  process.once("SIGTERM", () => void stop("SIGTERM"))
}

// In development the panel's own origin follows PANEL_PORT unless PANEL_PUBLIC_URL says otherwise, so the
// origin check (SEC-7) and the cookies work on any port.
if ((process.env.PANEL_PUBLIC_URL ?? "") === "" && process.env.ENVIRONMENT !== "production" && (process.env.PANEL_PORT ?? "") !== "") {
  process.env.PANEL_PUBLIC_URL = `http://localhost:${process.env.PANEL_PORT}`
}

await main(await validateConfigOrExit())
