import { defineConfig } from "vitest/config"
import projects from "./vitest.workspace"

// Never list projects here directly: with test.projects set, vitest would ignore vitest.workspace.ts.
export default defineConfig({ test: { projects } })
