import type { TestProjectConfiguration } from "vitest/config"

// The one list of vitest projects. vitest.config.ts imports it, which avoids vitest 3's workspace-file banner.
export default [
  "packages/*",
  "remix-app",
  {
    test: {
      name: "integration:db",
      include: ["packages/*/test/**/*.it.test.ts", "remix-app/test/**/*.it.test.ts"],
      environment: "node",
      setupFiles: ["./vitest.setup.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000
    }
  },
  {
    // The panel in a real process and Debian's Chromium (STACK.md §13); screenshots land in screenshots/.
    test: {
      name: "integration:browser",
      // One file at a time: each starts a panel whose Vite dev server shares the dependency cache.
      pool: "forks",
      poolOptions: { forks: { singleFork: true } },
      include: ["remix-app/test/browser/**/*.test.ts"],
      environment: "node",
      setupFiles: ["./vitest.setup.ts"],
      testTimeout: 120_000,
      hookTimeout: 120_000
    }
  },
  "infra"
] satisfies Array<TestProjectConfiguration>
