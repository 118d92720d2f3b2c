export * from "./BotIdentity.js"
export * from "./BotLive.js"
export * from "./DemoSeed.js"
