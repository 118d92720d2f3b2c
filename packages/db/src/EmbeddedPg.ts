import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { mkdirSync } from "node:fs"
import { Effect, Layer, Redacted } from "effect"
import { makePgLayer } from "./Pg.js"

export interface EmbeddedOptions {
  /** Folder for the database files; null keeps everything in memory (`--ephemeral`, tests). */
  readonly dataDir: string | null
}

/**
 * PGlite served over a loopback socket (SPEC OPS-13), so the production @effect/sql-pg client and migrations
 * run unchanged. PGlite is a single session, so the pool is one connection: two pooled connections would
 * interleave their transactions inside the same backend.
 */
export const startEmbedded = (options: EmbeddedOptions) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        if (options.dataDir !== null) mkdirSync(options.dataDir, { recursive: true })
        const db = await PGlite.create(options.dataDir ?? undefined)
        const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 4 })
        await server.start()
        return { db, server, url: `postgres://postgres@${server.getServerConn()}/postgres` }
      },
      catch: (cause) => new Error(`Could not start the embedded database: ${String(cause)}`)
    }).pipe(Effect.orDie),
    ({ db, server }) => Effect.promise(async () => {
      await server.stop()
      await db.close()
    })
  )

/** PgClient and SqlClient over an embedded PGlite that lives as long as the layer. */
export const embeddedPgLayer = (options: EmbeddedOptions) =>
  Layer.unwrapScoped(
    Effect.map(startEmbedded(options), ({ url }) => makePgLayer({ url: Redacted.make(url), maxConnections: 1 }))
  )
