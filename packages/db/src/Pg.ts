import { PgClient } from "@effect/sql-pg"
import { type Duration, type Redacted, String } from "effect"
import pg from "pg"

/**
 * The client options every connection uses — production, PGlite and tests alike; without them rows decode
 * differently (no camelCase fields, ids as strings).
 */
export const clientOptions = {
  transformQueryNames: String.camelToSnake,
  transformResultNames: String.snakeToCamel,
  // Column names are transformed, JSON contents are not: stored Telegram objects (prior permissions, audit
  // values) must come back exactly as written.
  transformJson: false,
  // Telegram ids need BIGINT columns; node-postgres returns int8 (and count(*)) as strings unless told otherwise.
  // They fit in a double exactly (Telegram guarantees 52 significant bits).
  types: {
    getTypeParser: ((oid: number, format?: "text" | "binary") =>
      oid === 20 ? Number : oid === 1016 ? parseBigintArray : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
  }
} satisfies Partial<PgClient.PgClientConfig>

// BIGINT[] (oid 1016) arrives as "{1,2,3}"; node-postgres would give strings.
const parseBigintArray = (value: string): Array<number> =>
  value === "{}" ? [] : value.slice(1, -1).split(",").map(Number)

export interface PgOptions {
  readonly url: Redacted.Redacted
  readonly maxConnections: number
  readonly connectTimeout?: Duration.DurationInput
}

/** A pooled @effect/sql-pg client; it provides both PgClient and SqlClient. Build once per process. */
export const makePgLayer = (options: PgOptions) =>
  PgClient.layer({
    url: options.url,
    maxConnections: options.maxConnections,
    connectTimeout: options.connectTimeout ?? "5 seconds",
    idleTimeout: "60 seconds",
    applicationName: "nezuko",
    ...clientOptions
  })
