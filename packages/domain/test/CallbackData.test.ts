import { describe, expect, it } from "vitest"
import { callbackData, parseCallbackData } from "../src/CallbackData.js"
import { parseChannelRef } from "../src/ChannelRef.js"
import { Either } from "effect"

describe("callback data (BOT-34)", () => {
  it("round-trips every button", () => {
    expect(parseCallbackData(callbackData.verify(42))).toEqual({ _tag: "VerifyUser", userId: 42 })
    expect(parseCallbackData(callbackData.verifyPresser)).toEqual({ _tag: "VerifyPresser" })
    expect(parseCallbackData(callbackData.joinRequest(-1001))).toEqual({ _tag: "JoinRequestVerify", groupId: -1001 })
    expect(parseCallbackData(callbackData.settings("dry_run"))).toEqual({ _tag: "SettingsKey", key: "dry_run" })
    expect(parseCallbackData(callbackData.settingsClose)).toEqual({ _tag: "SettingsClose" })
    expect(parseCallbackData(callbackData.anonymous("Ab12Cd34"))).toEqual({ _tag: "AnonymousConfirm", token: "Ab12Cd34" })
    expect(parseCallbackData(callbackData.menu("how"))).toEqual({ _tag: "MenuPage", page: "how" })
    expect(parseCallbackData(callbackData.logRelease(-1005, 7))).toEqual({ _tag: "LogRelease", groupId: -1005, userId: 7 })
  })

  it("refuses unknown, malformed and oversized data", () => {
    for (const data of [undefined, "", "nz:v:", "nz:v:-5", "nz:v:abc", "nz:m:nope", "nz:a:short", "other:bot", `nz:v:${"9".repeat(70)}`]) {
      expect(parseCallbackData(data)).toBeUndefined()
    }
  })
})

describe("channel references (BOT-12)", () => {
  it("accepts usernames, links and numeric ids", () => {
    for (const ref of ["@demo_channel", "demo_channel", "t.me/demo_channel", "https://t.me/demo_channel", "telegram.me/demo_channel/"]) {
      expect(parseChannelRef(ref)).toEqual(Either.right({ _tag: "Username", username: "demo_channel" }))
    }
    expect(parseChannelRef("-1001234567890")).toEqual(Either.right({ _tag: "NumericId", id: -1001234567890 }))
  })

  it("refuses private invite links with the hint, and nonsense", () => {
    const invite = parseChannelRef("https://t.me/+AbCdEf123")
    expect(Either.isLeft(invite) && invite.left.reason).toContain("numeric id")
    expect(Either.isLeft(parseChannelRef("t.me/joinchat/AAAA"))).toBe(true)
    expect(Either.isLeft(parseChannelRef("@ab"))).toBe(true)
    expect(Either.isLeft(parseChannelRef("12345"))).toBe(true)
  })
})
