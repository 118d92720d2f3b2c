import { Cause, Effect, Predicate } from "effect"
import type { Composer, Context } from "grammy"

/**
 * Runs an Effect with the bot layer's services and resolves with its value; it rejects on a failure or defect,
 * so a handler ends its effect with `Effect.catchAllCause(logHandlerFailure(…))` (CONVENTIONS §7). It runs on
 * the fiber handling `ctx`'s update, after the effects earlier handlers of the update passed here, so it
 * carries that update's log annotations (`correlation_id = upd-<id>`, `update_id`, `chat_id`, `user_id`) and
 * span, and is interrupted with it at shutdown.
 */
export type RunEffect<R> = <A, E>(ctx: Context, effect: Effect.Effect<A, E, R>) => Promise<A>

/**
 * One feature = one grammY Composer (CONVENTIONS §7). Handlers must `await run(...)`, so an update counts as
 * handled — and its offset is confirmed — only once the work is done (OPS-9). Never call `ctx.api` or
 * `ctx.reply`: every Bot API call goes through TelegramApi (ARCH-7); the runtime makes `ctx.api` fail loudly.
 */
export type Feature<R> = (run: RunEffect<R>) => Composer<Context>

/** A database outage (LIM-13): DatabaseUnavailable, or the open `postgres` breaker. */
export const isDatabaseOutageError = (e: unknown) =>
  Predicate.isTagged(e, "DatabaseUnavailable") || (Predicate.isTagged(e, "CircuitOpen") && Predicate.hasProperty(e, "breaker") && e.breaker === "postgres")

/** Whether a handler stopped because the database is unavailable, not because of its own fault. */
export const isDatabaseOutage = <E>(cause: Cause.Cause<E>) => [...Cause.failures(cause), ...Cause.defects(cause)].some(isDatabaseOutageError)

/**
 * The end of a handler's effect: logs what went wrong, except a database outage, which it passes on so the
 * runtime handles the update again once the database is back instead of acknowledging it undone (LIM-13).
 */
export const logHandlerFailure = (message: string) => <E>(cause: Cause.Cause<E>): Effect.Effect<void, E> =>
  isDatabaseOutage(cause) ? Effect.failCause(cause) : Effect.logError(message, cause)
