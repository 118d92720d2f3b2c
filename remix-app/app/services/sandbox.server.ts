import type { SandboxDriver } from "@nezuko/telegram-sandbox"

// server.ts starts the demo sandbox in-process (OPS-14) and registers its driver here; on globalThis because
// server.ts and Vite's SSR build load this module separately.
const holder = globalThis as { __nezukoSandboxDriver?: SandboxDriver }

export const registerSandbox = (driver: SandboxDriver | undefined) => {
  if (driver === undefined) delete holder.__nezukoSandboxDriver
  else holder.__nezukoSandboxDriver = driver
}

export const sandboxDriver = (): SandboxDriver | undefined => holder.__nezukoSandboxDriver
