import { readFileSync } from "node:fs"

const readVersion = (): string => {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: string }
    return pkg.version ?? "0.0.0"
  } catch {
    return "0.0.0"
  }
}

/** The release shown in logs, /readyz and nezuko_build_info. */
export const version: string = process.env.NEZUKO_VERSION ?? readVersion()
/** The commit, when the build recorded one (the container image sets NEZUKO_COMMIT). */
export const commit: string = process.env.NEZUKO_COMMIT ?? "unknown"
