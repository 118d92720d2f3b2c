/** Nearest-rank percentile of `values` (unsorted), NaN when there are none. */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)))
  return sorted[rank - 1] ?? Number.NaN
}

export const median = (values: ReadonlyArray<number>): number => percentile(values, 50)

export interface Latencies {
  readonly n: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
}

export const latencies = (values: ReadonlyArray<number>): Latencies => ({
  n: values.length,
  p50: percentile(values, 50),
  p95: percentile(values, 95),
  p99: percentile(values, 99)
})

/** A plain text table: the first column left-aligned, the others right-aligned. */
export const textTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(" | ")
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n")
}

export const fmt = (n: number, digits = 2) => (Number.isNaN(n) ? "—" : n.toFixed(digits))

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))
