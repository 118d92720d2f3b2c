import { layer } from "@effect/vitest"
import { ChannelRepo, GroupRepo, SettingsRepo, AuditRepo } from "@nezuko/db"
import { ChatId } from "@nezuko/domain"
import { PgliteTest } from "@nezuko/testing"
import { Effect, Layer, Option } from "effect"
import { expect } from "vitest"
import { seedDemoProtection } from "../src/DemoSeed.js"

const world = {
  group: { id: -1001000000001, title: "Demo Group" },
  channels: [
    { id: -1001000000002, title: "Demo Channel", username: "demo_channel" },
    { id: -1001000000003, title: "Demo News", username: "demo_news" }
  ],
  protectedBy: 100000003
}

const Repos = Layer.mergeAll(GroupRepo.Default, ChannelRepo.Default, SettingsRepo.Default, AuditRepo.Default)

layer(Repos.pipe(Layer.provideMerge(PgliteTest)), { timeout: "60 seconds" })("seedDemoProtection", (it) => {
  it.effect("protects the demo group with both channels once, and leaves it alone afterwards", () =>
    Effect.gen(function* () {
      expect(yield* seedDemoProtection(world)).toBe(true)
      const group = Option.getOrThrow(yield* (yield* GroupRepo).findById(ChatId.make(world.group.id)))
      expect([group.enabled, group.protectedBy, group.botCanRestrict]).toEqual([true, 100000003, true])
      const linked = yield* (yield* ChannelRepo).linkedTo(ChatId.make(world.group.id))
      expect(linked.map((c) => c.title)).toEqual(["Demo Channel", "Demo News"])
      expect(yield* seedDemoProtection(world)).toBe(false)
      expect(yield* (yield* AuditRepo).list({ actionPrefix: "demo.", limit: 10, offset: 0 })).toHaveLength(1)
    }))
})
