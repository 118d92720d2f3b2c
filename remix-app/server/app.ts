import { createServer, type Server } from "node:http"
import { fileURLToPath } from "node:url"
import { createRequestHandler, type ServerBuild } from "@remix-run/node"
import type { ViteDevServer } from "vite"
import type { PanelRuntime } from "../app/runtime.server.js"
import { nodeListener, serveStatic } from "./http.js"
import { makePanelHandler, type PanelHandler } from "./pipeline.js"

const appRoot = fileURLToPath(new URL("..", import.meta.url))

export interface PanelApp {
  readonly handler: PanelHandler
  readonly server: Server
  close(): Promise<void>
}

/**
 * The panel's Remix app behind its pipeline. `built: true` serves `remix vite:build`'s output (production);
 * otherwise Vite runs in middleware mode, so a fresh clone needs no build step.
 */
export const createPanelApp = async (
  runtime: PanelRuntime,
  // A private Vite dependency cache (tests): panels started together from one checkout would otherwise
  // re-optimize into the same folder under each other and serve a browser 404s.
  options: { readonly built: boolean; readonly publicOrigin: string; readonly viteCacheDir?: string }
): Promise<PanelApp> => {
  const server = createServer()
  let vite: ViteDevServer | undefined
  let unwatch: ReadonlyArray<() => void> = []
  let build: ServerBuild | (() => Promise<ServerBuild>)
  if (options.built) {
    const serverBuild = new URL("../build/server/index.js", import.meta.url).href
    build = (await import(/* @vite-ignore */ serverBuild)) as ServerBuild
  } else {
    const { createLogger, createServer: createVite } = await import("vite")
    // Warnings and errors, plus the one info line that matters here: a late dependency re-optimization, which
    // reloads every open page (see optimizeDeps in vite.config.ts; the browser journeys check for it).
    const logger = createLogger("info")
    const info = logger.info.bind(logger)
    logger.info = (message, options) => {
      if (/new dependencies optimized|optimized dependencies changed/.test(message)) info(message, options)
    }
    vite = await createVite({
      root: appRoot,
      configFile: `${appRoot}vite.config.ts`,
      customLogger: logger,
      appType: "custom",
      ...(options.viteCacheDir === undefined ? {} : { cacheDir: options.viteCacheDir }),
      server: { middlewareMode: true, hmr: { server } }
    })
    // Remix's plugin starts a second Vite server (its child compiler) that exits the process on SIGTERM with
    // code 143, and when stdin ends. The panel shuts down in its own order (server.ts), so those listeners go.
    // That server can start late, on a first request, so listeners added later are dropped too: one that
    // slipped through won the race against the graceful stop under load (exit 143, the demo test in CI).
    const dropViteExit = (target: NodeJS.EventEmitter, event: string) => {
      const drop = (listener: unknown) => {
        if (typeof listener === "function" && listener.name === "parentSigtermCallback") target.off(event, listener as () => void)
      }
      for (const listener of target.listeners(event)) drop(listener)
      // "newListener" fires before the listener is added: drop it right after.
      const watch = (name: string | symbol, listener: unknown) => {
        if (name === event) queueMicrotask(() => drop(listener))
      }
      target.on("newListener", watch)
      return () => void target.off("newListener", watch)
    }
    unwatch = [dropViteExit(process, "SIGTERM"), dropViteExit(process.stdin, "end")]
    const dev = vite
    build = () => dev.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>
  }
  const remix = createRequestHandler(build, options.built ? "production" : "development")
  const handler = await makePanelHandler(runtime, remix, { dev: !options.built })
  const assets = serveStatic(fileURLToPath(new URL("../build/client", import.meta.url)))
  server.on("request", (req, res) => {
    const host = req.headers.host
    const forRemix = nodeListener(handler, () => (host ? `http://${host}` : options.publicOrigin))
    if (vite) vite.middlewares(req, res, () => forRemix(req, res))
    else if (!assets(req, res)) forRemix(req, res)
  })
  return {
    handler,
    server,
    // Vite first: its HMR WebSockets live on this server and would keep server.close() waiting forever.
    close: async () => {
      await vite?.close()
      for (const f of unwatch) f()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), 1_000).unref()
      })
    }
  }
}
