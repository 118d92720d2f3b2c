export * from "./AppConfig.js"
export * from "./KeyValueStore.js"
export * from "./Redis.js"
