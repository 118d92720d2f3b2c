import { Effect, Logger, LogLevel } from "effect"
import { botBench } from "./bot.js"
import { limiterBench } from "./limiter.js"
import { panelBench } from "./panel.js"

/** One result line. `target`/`ok` mark the SPEC OPS-17 thresholds a run must meet. */
export interface BenchRow {
  readonly bench: string
  readonly metric: string
  readonly value: number
  readonly unit: string
  readonly target?: string
  readonly ok?: boolean
}

/** Every bench by name: `pnpm bench` runs all, `pnpm bench limiter` only the named ones. Add new entries here. */
const benches: Record<string, Effect.Effect<ReadonlyArray<BenchRow>, unknown>> = {
  limiter: limiterBench,
  bot: botBench,
  panel: panelBench
}

const format = (n: number) => (Number.isNaN(n) ? "—" : Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1))

const table = (rows: ReadonlyArray<BenchRow>) => {
  const cells = rows.map((r) => [r.bench, r.metric, format(r.value), r.unit, r.target ?? "", r.ok === undefined ? "" : r.ok ? "pass" : "FAIL"])
  const header = ["bench", "metric", "value", "unit", "target", ""]
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)))
  const line = (c: ReadonlyArray<string>) => c.map((v, i) => (i === 2 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join("  ")
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n")
}

const selected = process.argv.slice(2)
const unknown = selected.filter((name) => !(name in benches))
if (unknown.length > 0) {
  process.stderr.write(`unknown bench: ${unknown.join(", ")} (known: ${Object.keys(benches).join(", ")})\n`)
  process.exit(2)
}

const program = Effect.gen(function* () {
  const rows: Array<BenchRow> = []
  for (const name of selected.length > 0 ? selected : Object.keys(benches)) {
    const bench = benches[name]
    if (bench !== undefined) rows.push(...(yield* bench))
  }
  process.stdout.write(`${table(rows)}\n`)
  return rows.every((r) => r.ok !== false)
})

Effect.runPromise(program.pipe(Logger.withMinimumLogLevel(LogLevel.Error))).then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${String(error)}\n`)
    process.exit(1)
  }
)
