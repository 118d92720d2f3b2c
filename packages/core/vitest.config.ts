import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "core",
    include: ["test/**/*.test.ts"],
    exclude: ["test/**/*.it.test.ts"],
    environment: "node",
    setupFiles: ["../../vitest.setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
