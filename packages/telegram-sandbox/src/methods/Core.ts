import type { ResolvedOptions } from "../Options.js"
import type { Params } from "../Params.js"
import type { Updates } from "../Updates.js"
import type { Webhook } from "../Webhook.js"
import type { World } from "../World.js"

/** What a Bot API method handler can reach. */
export interface Core {
  readonly opts: ResolvedOptions
  readonly world: World
  readonly updates: Updates
  readonly webhook: Webhook
  /** The long poll in progress; a second getUpdates terminates it, as on Telegram. */
  poll: AbortController | undefined
}

/** The result must already be the Bot API type the method returns; handlers declare it. */
export type Handler = (core: Core, params: Params, signal: AbortSignal) => unknown

/** A result with Telegram's optional success description (e.g. "Webhook was set"). */
export class Described {
  constructor(
    readonly result: unknown,
    readonly description: string
  ) {}
}
