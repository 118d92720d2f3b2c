// `pnpm test`: every vitest project, then the plain closing line `N passed, M failed` that CI reads.
// Vitest's own summary is not enough: an import error or a failed layer() fails a file without failing a test.
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync, rmSync } from "node:fs"

const report = "vitest.json"
rmSync(report, { force: true })
const run = spawnSync(
  "pnpm",
  ["exec", "vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)],
  { stdio: "inherit" }
)
if (!existsSync(report)) {
  console.log("0 passed, 1 failed")
  process.exit(run.status || 1)
}
const result = JSON.parse(readFileSync(report, "utf8"))
const brokenFiles = result.testResults.filter(
  (file) => file.status === "failed" && !file.assertionResults.some((t) => t.status === "failed")
).length
const failed = result.numFailedTests + brokenFiles
console.log(`${result.numPassedTests} passed, ${failed} failed`)
process.exit(run.status !== 0 ? run.status || 1 : failed > 0 ? 1 : 0)
