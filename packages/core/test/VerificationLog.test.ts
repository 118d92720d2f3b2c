import { it } from "@effect/vitest"
import { VerificationLogRepo } from "@nezuko/db"
import { ChatId, DatabaseUnavailable, UserId, VerificationDecision } from "@nezuko/domain"
import { Effect, Exit, Layer, Scope, TestClock } from "effect"
import { expect } from "vitest"
import { VerificationLog } from "../src/VerificationLog.js"

const decision = (n: number) =>
  new VerificationDecision({
    at: new Date(0), groupId: ChatId.make(-100), userId: UserId.make(n), senderChatId: null, trigger: "message",
    decision: "pass", reason: null, channelIds: [], missingChannelIds: [], cached: true, latencyMs: 1, errorCode: null,
    correlationId: `upd-${n}`, instanceId: "t"
  })

const fakeRepo = (options: { failing: () => boolean }) => {
  const written: Array<number> = []
  const layer = Layer.succeed(VerificationLogRepo, VerificationLogRepo.make({
    insertMany: (rows) =>
      options.failing()
        ? Effect.fail(new DatabaseUnavailable({ cause: "down" }))
        : Effect.sync(() => void written.push(...rows.map((r) => r.userId ?? 0))),
    countByDecision: () => Effect.succeed({})
  }))
  return { written, layer }
}

it.scoped("flushes at 50 rows, and every 5 s for fewer", () =>
  Effect.gen(function* () {
    const repo = fakeRepo({ failing: () => false })
    const scope = yield* Scope.make()
    const ctx = yield* Layer.buildWithScope(VerificationLog.DefaultWithoutDependencies.pipe(Layer.provide(repo.layer)), scope)
    const vlog = yield* Effect.provide(VerificationLog, ctx)
    for (let n = 1; n <= 50; n++) yield* vlog.record(decision(n))
    // The 50th row wakes the writer fiber; let it run.
    yield* TestClock.adjust("1 millis")
    expect(repo.written).toHaveLength(50)
    yield* vlog.record(decision(51))
    expect(repo.written).toHaveLength(50)
    yield* TestClock.adjust("5 seconds")
    expect(repo.written).toHaveLength(51)
    yield* vlog.record(decision(52))
    yield* Scope.close(scope, Exit.void)
    expect(repo.written).toHaveLength(52)
  }))

it.scoped("a failed flush keeps the rows in order and writes them once the database is back", () =>
  Effect.gen(function* () {
    let down = true
    const repo = fakeRepo({ failing: () => down })
    const ctx = yield* Layer.build(VerificationLog.DefaultWithoutDependencies.pipe(Layer.provide(repo.layer)))
    const vlog = yield* Effect.provide(VerificationLog, ctx)
    for (let n = 1; n <= 3; n++) yield* vlog.record(decision(n))
    expect(Exit.isFailure(yield* Effect.exit(vlog.flush))).toBe(true)
    expect(yield* vlog.buffered).toBe(3)
    yield* vlog.record(decision(4))
    down = false
    yield* vlog.flush
    expect(repo.written).toEqual([1, 2, 3, 4])
    expect(yield* vlog.buffered).toBe(0)
  }))
