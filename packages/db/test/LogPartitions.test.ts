import { PgliteTest } from "@nezuko/testing"
import { describe, expect, it } from "vitest"
import { addLogMonths, logMonthOf, logMonthStart, logPartitionName, parseLogPartitionName } from "../src/index.js"
import { logPartitionSuite } from "./logPartitionsSuite.js"

describe("verification_log months", () => {
  it("count across year ends both ways, in UTC", () => {
    expect(addLogMonths({ year: 2026, month: 11 }, 2)).toEqual({ year: 2027, month: 1 })
    expect(addLogMonths({ year: 2027, month: 1 }, -1)).toEqual({ year: 2026, month: 12 })
    expect(addLogMonths({ year: 2026, month: 12 }, -12)).toEqual({ year: 2025, month: 12 })
    expect(logMonthOf(new Date("2026-11-30T23:59:59.999Z"))).toEqual({ year: 2026, month: 11 })
    expect(logMonthStart({ year: 2027, month: 1 }).toISOString()).toBe("2027-01-01T00:00:00.000Z")
  })

  it("name a partition and read the month back; other tables are not months", () => {
    expect(logPartitionName({ year: 2026, month: 3 })).toBe("verification_log_p202603")
    expect(parseLogPartitionName("verification_log_p202603")).toEqual({ year: 2026, month: 3 })
    expect(parseLogPartitionName("verification_log_default")).toBeUndefined()
    expect(parseLogPartitionName("verification_log_p202613")).toBeUndefined()
  })
})

logPartitionSuite("verification_log partitions on PGlite", PgliteTest)
