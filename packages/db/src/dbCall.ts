import type { SqlError } from "@effect/sql"
import { DatabaseUnavailable } from "@nezuko/domain"
import { Effect, type ParseResult, Predicate } from "effect"

const sqlState = (error: SqlError.SqlError): string | undefined =>
  Predicate.hasProperty(error.cause, "code") && typeof error.cause.code === "string" ? error.cause.code : undefined

// Class 08 (connection), 57 (operator intervention: shutdown, statement timeout) and Node socket errors (E…)
// are outages; everything else — syntax, constraint, decode — is a bug or a meaningful error mapped earlier.
const isOutage = (code: string | undefined) =>
  code === undefined || code.startsWith("08") || code.startsWith("57") || code.startsWith("E")

/** Outages become a typed DatabaseUnavailable (the postgres breaker counts them); bugs become defects. */
export const dbCall = <A, E, R>(
  effect: Effect.Effect<A, E | SqlError.SqlError | ParseResult.ParseError, R>
): Effect.Effect<A, Exclude<E, SqlError.SqlError | ParseResult.ParseError> | DatabaseUnavailable, R> =>
  effect.pipe(
    Effect.catchIf(
      (e): e is SqlError.SqlError | ParseResult.ParseError =>
        Predicate.isTagged(e, "SqlError") || Predicate.isTagged(e, "ParseError"),
      (e) =>
        e._tag === "SqlError" && isOutage(sqlState(e))
          ? Effect.fail(new DatabaseUnavailable({ cause: e }))
          : Effect.die(e)
    )
  ) as Effect.Effect<A, Exclude<E, SqlError.SqlError | ParseResult.ParseError> | DatabaseUnavailable, R>

/**
 * Whether a failed query means the database is unreachable rather than a bug: the same test dbCall applies, for
 * code that counts outages below the repositories (the postgres breaker around the SqlClient, LIM-12).
 */
export const isOutageSqlError = (error: SqlError.SqlError): boolean => isOutage(sqlState(error))

/** The SQLSTATE of a failed query, for mapping constraint violations (23505 → Conflict) before dbCall. */
export const sqlStateOf = sqlState
