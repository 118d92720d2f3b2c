import { fileURLToPath } from "node:url"
import { defineProject } from "vitest/config"

// Not the Remix Vite plugin: it is for the dev server and builds only. Repeat just the ~ alias.
export default defineProject({
  resolve: { alias: { "~": fileURLToPath(new URL("./app", import.meta.url)) } },
  test: {
    name: "panel",
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    exclude: ["test/**/*.it.test.ts", "test/browser/**"],
    environment: "node",
    setupFiles: ["../vitest.setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000
  }
})
