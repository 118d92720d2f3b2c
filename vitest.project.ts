import { defineProject } from "vitest/config"

/**
 * The vitest project of one package: its unit tests only. `*.it.test.ts` files belong to the shared
 * `integration:db` project in vitest.workspace.ts; leaving them out here keeps them from running twice.
 */
export const packageProject = (name: string) =>
  defineProject({
    test: {
      name,
      include: ["test/**/*.test.ts"],
      exclude: ["test/**/*.it.test.ts"],
      environment: "node",
      setupFiles: ["../../vitest.setup.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000
    }
  })
