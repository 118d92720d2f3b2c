export * from "./PgTest.js"
export * from "./RedisTest.js"
export * from "./TelegramApiTest.js"
export * from "./TelegramSandboxTest.js"
