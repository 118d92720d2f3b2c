import { layer } from "@effect/vitest"
import { Jobs, KeyValueStore, makeMemoryStore } from "@nezuko/core"
import { JobQueue } from "@nezuko/db"
import { PgliteTest } from "@nezuko/testing"
import { Effect, Layer, Option } from "effect"
import { expect } from "vitest"
import { DeleteJobsLive } from "../../src/runtime/DeleteJobs.js"
import type { Feature } from "../../src/runtime/Feature.js"
import { JobRegistry, makeJobRunner } from "../../src/runtime/JobRunner.js"
import { eventually, processLayer, sandboxEnv, sandboxScoped, startProcess } from "./harness.js"

const noFeatures: ReadonlyArray<Feature<never>> = []

/** A `jobs`-role process against the sandbox: the runner with the delete kinds, over the shared database. */
const jobsProcess = (env: Record<string, string>) =>
  processLayer(makeJobRunner({ pollEvery: "100 millis" }).pipe(Layer.provide(DeleteJobsLive)), noFeatures, env).pipe(
    Layer.provideMerge(Layer.mergeAll(Jobs.Default, JobQueue.Default, JobRegistry.Default)),
    Layer.provide(Layer.sync(KeyValueStore, () => makeMemoryStore(1000)))
  )

const stateOf = (id: number) =>
  Effect.flatMap(JobQueue, (q) => q.find(id)).pipe(Effect.map(Option.match({ onNone: () => "missing", onSome: (j) => j.state })))

layer(PgliteTest, { timeout: "60 seconds", excludeTestServices: true })("auto_delete jobs against the sandbox", (it) => {
  it.scoped("delete the messages after the TTL, even across a restart, and count an already deleted message as done", () =>
    Effect.gen(function* () {
      const sandbox = yield* sandboxScoped()
      const { driver } = sandbox
      const carol = driver.createUser({ firstName: "Carol" })
      const group = driver.createSupergroup({ title: "G", members: [carol.id], bot: "admin" })
      const command = driver.sendCommand(carol.id, group.id, "status")
      const env = sandboxEnv(sandbox)

      const first = yield* startProcess(jobsProcess(env))
      const jobs = yield* Effect.provide(Jobs, first.context)
      const [deleteCommand] = yield* jobs.scheduleAutoDelete(group.id, [command.message_id], "2 seconds")
      const [deleteMissing] = yield* jobs.scheduleAutoDelete(group.id, [987_654], "2 seconds")
      // The process stops before the TTL: nothing is deleted yet.
      yield* first.stop
      expect(driver.calls({ method: "deleteMessage" })).toEqual([])

      const second = yield* startProcess(jobsProcess(env))
      const states = Effect.forEach([deleteCommand ?? -1, deleteMissing ?? -1], stateOf).pipe(Effect.provide(second.context))
      expect(yield* eventually(states, (s) => s.every((x) => x !== "queued" && x !== "running"), "10 seconds")).toEqual(["done", "done"])
      const deletes = driver.calls({ method: "deleteMessage" })
      expect(deletes.map((c) => [c.params["chat_id"], c.params["message_id"], c.ok])).toEqual([
        [group.id, command.message_id, true],
        [group.id, 987_654, false]
      ])
      expect(driver.message(group.id, command.message_id).deleted).toBe(true)
      // Deleted after the TTL, not before (the call log has millisecond timestamps).
      expect((deletes[0]?.at ?? 0) - command.date * 1000).toBeGreaterThanOrEqual(1500)
      yield* second.stop
    }))
})
