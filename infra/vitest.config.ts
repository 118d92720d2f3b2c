import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "integration:e2e",
    include: ["test/**/*.test.ts", "e2e/**/*.test.ts"],
    environment: "node",
    setupFiles: ["../vitest.setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000
  }
})
