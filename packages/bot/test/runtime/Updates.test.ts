import { describe, it } from "@effect/vitest"
import { Effect, Fiber, Option, TestClock } from "effect"
import { expect } from "vitest"
import { handleBatch } from "../../src/runtime/Polling.js"
import { inspectUpdate, sequenceKey } from "../../src/runtime/Updates.js"

const chat = { id: -100, type: "supergroup" }
const message = (id: number, from: number, text = "hi") => ({ update_id: id, message: { message_id: id, date: 0, chat, from: { id: from }, text } })

describe("inspectUpdate", () => {
  it("classifies BOT-1's types and keys them by (chat, user)", () => {
    expect(inspectUpdate(message(1, 7))).toMatchObject({ _tag: "Valid", type: "message", chatId: -100, userId: 7 })
    expect(sequenceKey(inspectUpdate(message(1, 7)))).toEqual(Option.some("-100:7"))
    const join = {
      update_id: 2,
      chat_member: {
        chat, from: { id: 1 }, date: 0,
        old_chat_member: { status: "left", user: { id: 9 } },
        new_chat_member: { status: "member", user: { id: 9 } }
      }
    }
    // The member whose status changed, not the admin who changed it.
    expect(inspectUpdate(join)).toMatchObject({ _tag: "Valid", type: "chat_member", userId: 9 })
    expect(inspectUpdate({ update_id: 3, callback_query: { id: "q", from: { id: 5 } } })).toMatchObject({ _tag: "Valid", chatId: undefined, userId: 5 })
  })

  it("acknowledges what it cannot handle instead of failing", () => {
    expect(inspectUpdate(null)._tag).toBe("Malformed")
    expect(inspectUpdate({ message: {} })).toMatchObject({ _tag: "Malformed", reason: "no integer update_id" })
    expect(inspectUpdate({ update_id: 4 })).toMatchObject({ _tag: "Malformed", reason: "no update payload" })
    expect(inspectUpdate({ update_id: 5, message: { message_id: 1 } })).toMatchObject({ _tag: "Malformed", updateId: 5, type: "message" })
    expect(inspectUpdate({ update_id: 6, edited_message: { message_id: 1 } })).toEqual({ _tag: "NotRequested", updateId: 6, type: "edited_message" })
    expect(sequenceKey(inspectUpdate({ update_id: 4 }))).toEqual(Option.none())
  })
})

describe("handleBatch", () => {
  it.effect("keeps each (chat, user) in order, runs other keys concurrently, and bounds what is in flight", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      let inFlight = 0
      let peak = 0
      const process = (update: unknown) =>
        Effect.gen(function* () {
          const info = inspectUpdate(update)
          inFlight++
          peak = Math.max(peak, inFlight)
          log.push(`start ${info.updateId}`)
          yield* Effect.sleep(info.updateId === 1 ? "10 seconds" : "1 second")
          log.push(`end ${info.updateId}`)
          inFlight--
        })
      // 1 and 2 come from user 7, 3..6 from four other users.
      const batch = [message(1, 7), message(2, 7), message(3, 8), message(4, 9), message(5, 10), message(6, 11)]
      const fiber = yield* Effect.fork(handleBatch(batch, process, 3))
      yield* TestClock.adjust("1 second")
      // Three at a time: 1, 3, 4 started; 3 and 4 finished after 1 s, 2 waits for 1 whatever the free slots.
      expect(log.slice(0, 3)).toEqual(["start 1", "start 3", "start 4"])
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(fiber)
      expect(peak).toBe(3)
      expect(log.indexOf("end 1")).toBeLessThan(log.indexOf("start 2"))
      expect(log.indexOf("start 5")).toBeLessThan(log.indexOf("end 1"))
    }))
})
