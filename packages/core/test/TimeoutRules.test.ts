import { describe, expect, it } from "@effect/vitest"
import { UserId } from "@nezuko/domain"
import { Option } from "effect"
import { parseUserRef } from "../src/AdminReleases.js"
import { kickBanSeconds, timeoutPenalty } from "../src/TimeoutRules.js"

const now = 1_700_000_000

describe("BOT-38's timeout penalty", () => {
  it("`mute` schedules nothing: the user stays muted", () => {
    expect(timeoutPenalty({ timeoutAction: "mute", escalateAfter: 3, banDays: 0 }, 10, now)).toEqual(Option.none())
  })

  it("`kick` is a 60 s ban (lifted at once by the unban) until escalate_after kicks in 30 days are reached", () => {
    const settings = { timeoutAction: "kick", escalateAfter: 3, banDays: 0 } as const
    expect(timeoutPenalty(settings, 0, now)).toEqual(Option.some({ action: "kick", untilDate: now + kickBanSeconds }))
    expect(timeoutPenalty(settings, 2, now)).toEqual(Option.some({ action: "kick", untilDate: now + 60 }))
    expect(timeoutPenalty(settings, 3, now)).toEqual(Option.some({ action: "ban", untilDate: 0, escalated: true }))
    expect(timeoutPenalty({ ...settings, banDays: 7 }, 4, now)).toEqual(Option.some({ action: "ban", untilDate: now + 7 * 86_400, escalated: true }))
  })

  it("escalate_after = 0 turns escalation off", () => {
    expect(timeoutPenalty({ timeoutAction: "kick", escalateAfter: 0, banDays: 0 }, 50, now)).toEqual(Option.some({ action: "kick", untilDate: now + 60 }))
  })

  it("`ban` lasts ban_days, and 0 days is until_date 0 (forever)", () => {
    expect(timeoutPenalty({ timeoutAction: "ban", escalateAfter: 3, banDays: 0 }, 0, now)).toEqual(Option.some({ action: "ban", untilDate: 0, escalated: false }))
    expect(timeoutPenalty({ timeoutAction: "ban", escalateAfter: 3, banDays: 365 }, 0, now)).toEqual(Option.some({ action: "ban", untilDate: now + 365 * 86_400, escalated: false }))
  })
})

describe("BOT-19/BOT-20 user references", () => {
  it("reads numeric ids and @usernames, and nothing else", () => {
    expect(parseUserRef("100000002")).toEqual(Option.some({ _tag: "Id", id: UserId.make(100_000_002) }))
    expect(parseUserRef("@bob_demo")).toEqual(Option.some({ _tag: "Username", username: "bob_demo" }))
    expect(parseUserRef("bob_demo")).toEqual(Option.some({ _tag: "Username", username: "bob_demo" }))
    expect(parseUserRef("0")).toEqual(Option.none())
    expect(parseUserRef("-100")).toEqual(Option.none())
    expect(parseUserRef("@x")).toEqual(Option.none())
    expect(parseUserRef("all the things")).toEqual(Option.none())
  })
})
