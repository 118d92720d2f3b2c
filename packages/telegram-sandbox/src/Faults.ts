import type { FaultKind } from "./CallLog.js"

export interface FaultSpec {
  /** Bot API method name, or "*" for every method. */
  readonly method: string
  readonly kind: FaultKind
  /** Chance per call, 0..1 (default 1). */
  readonly probability?: number
  /** Only the next N matching calls (after the probability draw); unlimited when omitted. */
  readonly count?: number
  /** For `latency`: delay before the call is handled. */
  readonly latencyMs?: number
  /** For `error`: 500 (Internal Server Error), 502 (Bad Gateway), 503 or 504. */
  readonly status?: number
  /** For `rateLimit`: parameters.retry_after (default 5). */
  readonly retryAfter?: number
}

export interface ActiveFault extends FaultSpec {
  readonly id: number
  remaining: number | undefined
  triggered: number
}

/** Small deterministic generator (mulberry32) so probabilistic faults repeat between runs. */
const generator = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class Faults {
  private faults: Array<ActiveFault> = []
  private nextId = 1
  private random: () => number

  constructor(private readonly seed: number) {
    this.random = generator(seed)
  }

  add(spec: FaultSpec): ActiveFault {
    if (spec.probability !== undefined && (spec.probability < 0 || spec.probability > 1)) {
      throw new Error("probability must be between 0 and 1")
    }
    const fault: ActiveFault = { ...spec, id: this.nextId++, remaining: spec.count, triggered: 0 }
    this.faults.push(fault)
    return fault
  }

  list(): ReadonlyArray<ActiveFault> {
    return this.faults
  }

  clear(method?: string): void {
    this.faults = method === undefined ? [] : this.faults.filter((f) => f.method !== method)
  }

  remove(id: number): void {
    this.faults = this.faults.filter((f) => f.id !== id)
  }

  /** The faults that fire for this call: any latency, then at most one terminal fault. */
  draw(method: string): { latencyMs: number; terminal: ActiveFault | undefined; latency: boolean } {
    let latencyMs = 0
    let latency = false
    let terminal: ActiveFault | undefined
    for (const fault of [...this.faults]) {
      if (fault.method !== "*" && fault.method.toLowerCase() !== method.toLowerCase()) continue
      if (fault.kind !== "latency" && terminal !== undefined) continue
      if (this.random() >= (fault.probability ?? 1)) continue
      fault.triggered++
      if (fault.remaining !== undefined) {
        fault.remaining--
        if (fault.remaining <= 0) this.remove(fault.id)
      }
      if (fault.kind === "latency") {
        latency = true
        latencyMs += fault.latencyMs ?? 0
      } else terminal = fault
    }
    return { latencyMs, terminal, latency }
  }

  reset(): void {
    this.faults = []
    this.random = generator(this.seed)
  }
}
