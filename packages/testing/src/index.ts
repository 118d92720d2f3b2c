export * from "./PgTest.js"
export * from "./RedisTest.js"
