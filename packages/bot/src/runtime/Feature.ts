import type { Effect } from "effect"
import type { Composer, Context } from "grammy"

/**
 * Runs an Effect in the bot layer's runtime and resolves with its value; it rejects on a failure or defect,
 * so a handler ends its effect with `Effect.catchAllCause(Effect.logError)` (CONVENTIONS §7). The fiber
 * belongs to the bot layer's scope, carries the update's log annotations (`correlation_id = upd-<id>`,
 * `update_id`, `chat_id`, `user_id`) and its span, and is interrupted at shutdown.
 */
export type RunEffect<R> = <A, E>(effect: Effect.Effect<A, E, R>) => Promise<A>

/**
 * One feature = one grammY Composer (CONVENTIONS §7). Handlers must `await run(...)`, so an update counts as
 * handled — and its offset is confirmed — only once the work is done (OPS-9). Never call `ctx.api` or
 * `ctx.reply`: every Bot API call goes through TelegramApi (ARCH-7); the runtime makes `ctx.api` fail loudly.
 */
export type Feature<R> = (run: RunEffect<R>) => Composer<Context>
