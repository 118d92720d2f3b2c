import { DateTime } from "effect"
import { describe, expect, it } from "vitest"
import { localDateStart, localDayStart } from "../app/services/localDays.server.js"

const at = (iso: string) => DateTime.unsafeMake(new Date(iso))

describe("localDayStart (PANEL_TIMEZONE days)", () => {
  it("is the instant local midnight began, also in the hour after midnight east of UTC", () => {
    // 00:10 on the 28th in Berlin: today began 10 minutes ago, not 50 minutes ahead.
    expect(localDayStart(at("2026-11-27T23:10:00Z"), "Europe/Berlin").toISOString()).toBe("2026-11-27T23:00:00.000Z")
    expect(localDayStart(at("2026-11-27T12:10:00Z"), "Europe/Berlin").toISOString()).toBe("2026-11-26T23:00:00.000Z")
    expect(localDayStart(at("2026-11-28T03:00:00Z"), "America/New_York").toISOString()).toBe("2026-11-27T05:00:00.000Z")
    expect(localDayStart(at("2026-11-27T12:10:00Z"), "UTC").toISOString()).toBe("2026-11-27T00:00:00.000Z")
  })

  it("counts whole local days back, across a daylight-saving change", () => {
    expect(localDayStart(at("2026-11-27T23:10:00Z"), "Europe/Berlin", 13).toISOString()).toBe("2026-11-14T23:00:00.000Z")
    // Berlin moved to summer time on 2026-03-29: that day began at 23:00 UTC, the 30th at 22:00 UTC.
    expect(localDayStart(at("2026-03-30T12:00:00Z"), "Europe/Berlin").toISOString()).toBe("2026-03-29T22:00:00.000Z")
    expect(localDayStart(at("2026-03-30T12:00:00Z"), "Europe/Berlin", 1).toISOString()).toBe("2026-03-28T23:00:00.000Z")
  })

  it("a custom range's dates are whole local days (the analytics range picker)", () => {
    expect(localDateStart("2026-11-27", "Europe/Berlin").toISOString()).toBe("2026-11-26T23:00:00.000Z")
    expect(localDateStart("2026-11-27", "Europe/Berlin", 1).toISOString()).toBe("2026-11-27T23:00:00.000Z")
    expect(localDateStart("2026-03-29", "Europe/Berlin", 1).toISOString()).toBe("2026-03-29T22:00:00.000Z")
    expect(localDateStart("2026-11-27", "America/New_York").toISOString()).toBe("2026-11-27T05:00:00.000Z")
  })
})
