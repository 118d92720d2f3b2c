import { Effect, type Layer, ManagedRuntime } from "effect"
import { PanelLive, type PanelServices } from "./layers.server.js"

export type PanelRuntime = ManagedRuntime.ManagedRuntime<PanelServices, unknown>

// Vite's dev server re-imports server modules, and server.ts imports this file outside the bundle: the holder
// on globalThis keeps exactly one runtime (one pool, one Redis client) per process.
const holder = globalThis as { __nezukoRuntime?: PanelRuntime }

/**
 * Installs the process's runtime over `layer` (server.ts; tests pass a PGlite layer). Disposed on SIGTERM and
 * SIGINT, because open pg and Redis sockets would otherwise keep the process alive (STACK.md §6).
 */
export const installRuntime = (layer: Layer.Layer<PanelServices, unknown> = PanelLive, options: { readonly signals?: boolean } = {}) => {
  const runtime: PanelRuntime = ManagedRuntime.make(layer)
  if (options.signals ?? true) {
    for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void runtime.dispose())
  }
  holder.__nezukoRuntime = runtime
  return runtime
}

/** The process's runtime; built on first use when server.ts has not installed one (e.g. `remix vite:dev`). */
export const getRuntime = (): PanelRuntime => holder.__nezukoRuntime ?? installRuntime()

export const runPanel = <A, E>(effect: Effect.Effect<A, E, PanelServices>) => getRuntime().runPromiseExit(effect)

export const disposeRuntime = Effect.promise(async () => {
  const runtime = holder.__nezukoRuntime
  delete holder.__nezukoRuntime
  await runtime?.dispose()
})
