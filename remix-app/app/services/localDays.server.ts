import { DateTime } from "effect"

/**
 * The instant local midnight began in `zone` (PANEL_TIMEZONE), `daysBack` days before the local day of `now`.
 * `DateTime.toDateUtc`, not `toDate`: `toDate` applies the zone's offset to the wall time, which moved "today"
 * by the offset — and to the future for the hour after midnight in zones east of UTC, so the dashboard showed
 * 0 checks today from 23:00 to 24:00 UTC with PANEL_TIMEZONE=Europe/Berlin.
 */
export const localDayStart = (now: DateTime.DateTime, zone: string, daysBack = 0): Date =>
  DateTime.toDateUtc(DateTime.subtract(DateTime.startOf(DateTime.setZone(now, DateTime.zoneUnsafeMakeNamed(zone)), "day"), { days: daysBack }))

/** The instant a local date (`YYYY-MM-DD`) began in `zone`, or, with `daysAhead`, that many days later. */
export const localDateStart = (date: string, zone: string, daysAhead = 0): Date => {
  const [year = 1970, month = 1, day = 1] = date.split("-").map(Number)
  const midnight = DateTime.unsafeMakeZoned({ year, month, day }, { timeZone: zone, adjustForTimeZone: true })
  return DateTime.toDateUtc(DateTime.add(midnight, { days: daysAhead }))
}
