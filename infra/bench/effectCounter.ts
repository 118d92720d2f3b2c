import { Effect, Layer, RuntimeFlags, Supervisor } from "effect"

/**
 * Counts the fibers started and the Effect operations run (the runtime's OpSupervision hook) in a process
 * graph it is provided to. Unlike CPU time these counts barely move with the machine's load, so they show
 * what a change to the hot path saved even where this VM's timing noise hides it. The hook costs CPU itself:
 * counted passes are not timed.
 */
export const makeEffectCounter = () => {
  let fibers = 0
  let ops = 0
  class Counter extends Supervisor.AbstractSupervisor<void> {
    readonly value = Effect.void
    override onStart() {
      fibers++
    }
    override onEffect() {
      ops++
    }
  }
  return {
    layer: Layer.merge(Supervisor.addSupervisor(new Counter()), RuntimeFlags.enableOpSupervision),
    read: () => ({ fibers, ops })
  }
}
