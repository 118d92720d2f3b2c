import { AppConfig } from "@nezuko/core"
import { GroupRepo, VerificationLogRepo } from "@nezuko/db"
import { DateTime, Effect } from "effect"

// PANEL-4's definitions; the remaining cards and the charts arrive with "Admin panel II".
const checks = ["pass", "restrict", "still_missing", "verify", "approve", "decline", "deferred"] as const

export const dashboard = Effect.gen(function* () {
  const config = yield* AppConfig
  const groups = yield* GroupRepo
  const log = yield* VerificationLogRepo
  const now = yield* DateTime.now
  const zone = DateTime.zoneUnsafeMakeNamed(config.panelTimezone)
  const startOfToday = DateTime.toDate(DateTime.startOf(DateTime.setZone(now, zone), "day"))
  const [protectedGroups, today] = yield* Effect.all([groups.countProtected, log.countByDecision(startOfToday)], { concurrency: 2 })
  const count = (kind: string) => (today as Record<string, number | undefined>)[kind] ?? 0
  return {
    timezone: config.panelTimezone,
    cards: [
      { label: "Protected groups", value: protectedGroups, hint: "enabled and not removed" },
      { label: "Checks today", value: checks.reduce((sum, kind) => sum + count(kind), 0), hint: `since midnight ${config.panelTimezone}` },
      { label: "Restricted today", value: count("restrict"), hint: "members muted until they subscribe" },
      { label: "Verified today", value: count("verify") + count("approve"), hint: "released after subscribing" }
    ]
  }
})
