import { Effect, type Fiber, Layer, RuntimeFlags, Supervisor } from "effect"

/**
 * Counts the fibers started and the Effect operations run (the runtime's OpSupervision hook) in a process
 * graph it is provided to. Unlike CPU time these counts barely move with the machine's load, so they show
 * what a change to the hot path saved even where this VM's timing noise hides it. The hook costs CPU itself:
 * counted passes are not timed. With `bySpan`, operations are also counted by the name of the span the fiber
 * was in (`(none)` outside any), which says which part of the hot path a change touched.
 */
export const makeEffectCounter = (options: { readonly bySpan?: boolean } = {}) => {
  let fibers = 0
  let ops = 0
  const bySpan = new Map<string, number>()
  class Counter extends Supervisor.AbstractSupervisor<void> {
    readonly value = Effect.void
    override onStart() {
      fibers++
    }
    override onEffect<A, E>(fiber: Fiber.RuntimeFiber<A, E>) {
      ops++
      if (options.bySpan === true) {
        const span = fiber.currentSpan
        const name = span?._tag === "Span" ? span.name : "(none)"
        bySpan.set(name, (bySpan.get(name) ?? 0) + 1)
      }
    }
  }
  return {
    layer: Layer.merge(Supervisor.addSupervisor(new Counter()), RuntimeFlags.enableOpSupervision),
    read: () => ({ fibers, ops, bySpan: new Map(bySpan) })
  }
}
