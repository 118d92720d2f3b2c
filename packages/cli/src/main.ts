import { NodeContext, NodeRuntime } from "@effect/platform-node"
import { AppConfig, LoggingLive, validateConfigOrExit } from "@nezuko/core"
import { Effect, Layer } from "effect"
import { cli } from "./Cli.js"

// `pnpm nezuko <command>`: invalid configuration exits 78 before any command runs (OPS-3).
await validateConfigOrExit()
const CliLive = Layer.mergeAll(NodeContext.layer, LoggingLive("cli")).pipe(Layer.provideMerge(AppConfig.Default))
cli(process.argv).pipe(Effect.provide(CliLive), NodeRuntime.runMain({ disablePrettyLogger: true }))
