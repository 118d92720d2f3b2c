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
  // Pre-bundled at start. Any dependency Vite discovers later, as pages are first opened, makes it re-optimize
  // and reload every open page: on a fresh clone `pnpm start`'s first session showed "The page failed to
  // render" and lost form submissions (the browser journeys failed that way in CI). The list is what Vite
  // reported discovering late (its log at level info); the server-side ones come from route modules whose
  // loaders Remix removes from the client build, which the dev client still resolves.
  optimizeDeps: {
    include: [
      "recharts", "@tanstack/react-table",
      "effect", "effect/Effect", "effect/Context", "effect/Layer", "effect/Data", "effect/ParseResult",
      "@effect/platform", "@effect/platform-node", "@effect/sql", "@remix-run/node"
    ]
  },
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
