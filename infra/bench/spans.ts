import { Context, type Exit, Option, Tracer } from "effect"

export interface SpanRecord {
  readonly name: string
  readonly spanId: string
  readonly parentId: string | undefined
  /** Nanoseconds from the fiber clock (process.hrtime). */
  readonly start: bigint
  end: bigint | undefined
  readonly attributes: Map<string, unknown>
}

/**
 * A Tracer that keeps the spans named in `names` with their high-resolution start and end, for the latency
 * figures: the engine's own `latency_ms` is whole milliseconds and its histogram's first bucket is 5 ms, both
 * too coarse for a 2 ms target. Spans of every other name are created and dropped.
 */
export const makeSpanRecorder = (names: ReadonlySet<string> | "all") => {
  const kept: Array<SpanRecord> = []
  let nextId = 0

  class RecordingSpan implements Tracer.Span {
    readonly _tag = "Span"
    readonly spanId: string
    readonly traceId: string
    readonly sampled = true
    readonly attributes = new Map<string, unknown>()
    readonly links: Array<Tracer.SpanLink>
    status: Tracer.SpanStatus
    readonly record: SpanRecord | undefined
    constructor(
      readonly name: string,
      readonly parent: Option.Option<Tracer.AnySpan>,
      readonly context: Context.Context<never>,
      links: ReadonlyArray<Tracer.SpanLink>,
      startTime: bigint,
      readonly kind: Tracer.SpanKind
    ) {
      this.spanId = `s${++nextId}`
      this.traceId = Option.match(parent, { onNone: () => `t${nextId}`, onSome: (p) => p.traceId })
      this.links = [...links]
      this.status = { _tag: "Started", startTime }
      if (names === "all" || names.has(name)) {
        this.record = { name, spanId: this.spanId, parentId: Option.getOrUndefined(Option.map(parent, (p) => p.spanId)), start: startTime, end: undefined, attributes: this.attributes }
        kept.push(this.record)
      }
    }
    end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
      this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
      if (this.record !== undefined) this.record.end = endTime
    }
    attribute(key: string, value: unknown): void {
      this.attributes.set(key, value)
    }
    event(): void {}
    addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
      this.links.push(...links)
    }
  }

  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => new RecordingSpan(name, parent, context, links, startTime, kind),
    context: (f) => f()
  })
  return {
    tracer,
    spans: () => kept,
    clear: () => {
      kept.length = 0
    }
  }
}
