export * from "./BotIdentity.js"
export * from "./BotLive.js"
export * from "./DemoSeed.js"
export { healthCheckKind, sweepHealthChecks } from "./runtime/BotStatusJobs.js"
