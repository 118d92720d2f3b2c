import type { Params } from "./Params.js"

export type FaultKind = "latency" | "error" | "rateLimit" | "drop"

/** One Bot API request as the sandbox saw it. */
export interface CallRecord {
  /** Increasing number; pass it back as `after` to read only newer calls. */
  readonly seq: number
  /** Milliseconds since the epoch when the request arrived. */
  readonly at: number
  readonly method: string
  readonly params: Params
  readonly ok: boolean
  readonly errorCode: number | undefined
  readonly description: string | undefined
  readonly result: unknown
  /** Set when a fault injected this outcome (or added latency). */
  readonly injected: FaultKind | undefined
  readonly durationMs: number
  /** The call came back in a webhook response rather than over HTTP. */
  readonly viaWebhookReply: boolean
}

type Listener = (record: CallRecord) => void

export class CallLog {
  private records: Array<CallRecord> = []
  private nextSeq = 1
  private readonly listeners = new Set<Listener>()

  constructor(private readonly max: number) {}

  add(record: Omit<CallRecord, "seq">): CallRecord {
    const full: CallRecord = { ...record, seq: this.nextSeq++ }
    this.records.push(full)
    if (this.records.length > this.max) this.records = this.records.slice(-Math.floor(this.max / 2))
    for (const listener of this.listeners) listener(full)
    return full
  }

  get lastSeq(): number {
    return this.nextSeq - 1
  }

  list(filter: { after?: number | undefined; since?: number | undefined; method?: string | undefined } = {}): Array<CallRecord> {
    return this.records.filter(
      (r) =>
        (filter.after === undefined || r.seq > filter.after) &&
        (filter.since === undefined || r.at >= filter.since) &&
        (filter.method === undefined || r.method === filter.method)
    )
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  clear(): void {
    this.records = []
  }
}
