export * from "./PgTest.js"
