import { vitePlugin as remix } from "@remix-run/dev"
import { defineConfig } from "vite"
import { fileURLToPath } from "node:url"

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true
  }
}

export default defineConfig({
  resolve: { alias: { "~": fileURLToPath(new URL("./app", import.meta.url)) } },
  // The workspace packages stay outside the server bundle: server.ts runs under tsx, which loads them from
  // source, so the bundle shares one copy of core with server.ts, and native modules (argon2) and PGlite's
  // wasm are never bundled.
  build: { rollupOptions: { external: (id) => id.startsWith("@nezuko/") } },
  // Pre-bundled at start: discovered on the first chart or table page instead, Vite re-optimizes and reloads
  // the browser mid-session (the dev server of `pnpm start`).
  optimizeDeps: { include: ["recharts", "@tanstack/react-table"] },
  plugins: [remix({
    future: {
      v3_fetcherPersist: true,
      v3_relativeSplatPath: true,
      v3_throwAbortReason: true,
      v3_singleFetch: true,
      v3_lazyRouteDiscovery: true
    }
  })]
})
