/**
 * verification_log's monthly partitions (DATA-11): `verification_log_pYYYYMM` holds the UTC month's rows, so
 * retention drops a whole month as one table (DATA-21) instead of deleting its rows one by one. Rows with no
 * month partition (written before the retention job first created one, or for a month it had to skip) go to
 * `verification_log_default`.
 */
export interface LogMonth {
  readonly year: number
  /** 1–12. */
  readonly month: number
}

/** The current month and the next two: the daily job can fail for weeks before a row lands in the default. */
export const logMonthsAhead = 3

export const logMonthOf = (at: Date): LogMonth => ({ year: at.getUTCFullYear(), month: at.getUTCMonth() + 1 })

export const addLogMonths = (m: LogMonth, n: number): LogMonth => {
  const index = m.year * 12 + m.month - 1 + n
  return { year: Math.floor(index / 12), month: (index % 12) + 1 }
}

/** The month's first instant, UTC (its partition's lower bound, inclusive). */
export const logMonthStart = (m: LogMonth): Date => new Date(Date.UTC(m.year, m.month - 1, 1))

export const logPartitionName = (m: LogMonth): string => `verification_log_p${m.year}${String(m.month).padStart(2, "0")}`

const partitionPattern = /^verification_log_p(\d{4})(\d{2})$/

/** The month a partition's name stands for; undefined for the default partition or a table not named by us. */
export const parseLogPartitionName = (name: string): LogMonth | undefined => {
  const match = partitionPattern.exec(name)
  if (match === null) return undefined
  const month = Number(match[2])
  return month >= 1 && month <= 12 ? { year: Number(match[1]), month } : undefined
}
