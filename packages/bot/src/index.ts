export * from "./BotIdentity.js"
export * from "./BotLive.js"
