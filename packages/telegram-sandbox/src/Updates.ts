import type { Update } from "@grammyjs/types"

export type UpdateKind = Exclude<keyof Update, "update_id">

/** Telegram's default when no allowed_updates was ever given: everything but these opt-in kinds. */
export const optInKinds: ReadonlySet<UpdateKind> = new Set(["chat_member", "message_reaction", "message_reaction_count"])

interface Waiter {
  readonly wake: () => void
}

/**
 * The bot's update queue. Filtering by allowed_updates happens when an update is created, as on
 * Telegram ("doesn't affect updates created before the call"), so a late opt-in sees only newer events.
 */
export class Updates {
  private queue: Array<Update> = []
  private nextId = 100_000_001
  private allowed: ReadonlySet<string> | undefined
  private waiters = new Set<Waiter>()
  private readonly listeners = new Set<() => void>()
  /** Every update ever queued, for tests; bounded by the call-log limit. */
  readonly history: Array<Update> = []
  suppressed = 0

  constructor(private readonly maxHistory: number) {}

  /** The allowed_updates list as last given by getUpdates or setWebhook; undefined = Telegram's default. */
  get allowedUpdates(): ReadonlyArray<UpdateKind> | undefined {
    return this.allowed === undefined ? undefined : ([...this.allowed] as Array<UpdateKind>)
  }

  setAllowed(kinds: ReadonlyArray<string> | undefined): void {
    // An empty list means "back to the default", per the Bot API docs.
    this.allowed = kinds === undefined || kinds.length === 0 ? undefined : new Set(kinds)
  }

  isAllowed(kind: UpdateKind): boolean {
    return this.allowed === undefined ? !optInKinds.has(kind) : this.allowed.has(kind)
  }

  push<K extends UpdateKind>(kind: K, payload: NonNullable<Update[K]>): Update | undefined {
    if (!this.isAllowed(kind)) {
      this.suppressed++
      return undefined
    }
    const update: Update = { update_id: this.nextId++ }
    update[kind] = payload
    this.queue.push(update)
    this.history.push(update)
    if (this.history.length > this.maxHistory) this.history.splice(0, this.history.length - this.maxHistory)
    for (const waiter of this.waiters) waiter.wake()
    for (const listener of this.listeners) listener()
    return update
  }

  private readonly pollListeners = new Set<() => void>()

  /** Called by getUpdates once it holds the long poll (allowed_updates and offset already applied). */
  notifyPolling(): void {
    for (const listener of [...this.pollListeners]) listener()
  }

  onPolling(listener: () => void): () => void {
    this.pollListeners.add(listener)
    return () => this.pollListeners.delete(listener)
  }

  onPush(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get pending(): ReadonlyArray<Update> {
    return this.queue
  }

  /** getUpdates' offset: confirms everything below it; a negative one keeps only the last -offset updates. */
  confirm(offset: number): void {
    if (offset < 0) {
      this.queue = this.queue.slice(offset)
    } else {
      const i = this.queue.findIndex((u) => u.update_id >= offset)
      this.queue = i === -1 ? [] : this.queue.slice(i)
    }
  }

  remove(updateId: number): void {
    const i = this.queue.findIndex((u) => u.update_id === updateId)
    if (i !== -1) this.queue.splice(i, 1)
  }

  clear(): void {
    this.queue = []
  }

  take(limit: number): Array<Update> {
    return this.queue.slice(0, limit)
  }

  /** Resolves on the next push, on timeout, or when the signal aborts. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.waiters.delete(waiter)
        signal.removeEventListener("abort", done)
        resolve()
      }
      const waiter: Waiter = { wake: done }
      const timer = setTimeout(done, timeoutMs)
      this.waiters.add(waiter)
      signal.addEventListener("abort", done)
    })
  }

  reset(): void {
    this.queue = []
    this.allowed = undefined
    this.history.length = 0
    this.suppressed = 0
    for (const waiter of this.waiters) waiter.wake()
  }
}
