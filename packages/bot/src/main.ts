import { CacheLive, DatabaseLive, HealthServerLive, runProcess } from "@nezuko/core"
import { Layer } from "effect"
import { BotLive } from "./BotLive.js"

// `pnpm bot`: the bot role alone (OPS-1) — one layer graph, launched once.
runProcess("bot", Layer.mergeAll(HealthServerLive, BotLive.pipe(Layer.provide(Layer.merge(DatabaseLive, CacheLive)))))
