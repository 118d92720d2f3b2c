import type { MetaFunction } from "@remix-run/node"
import { Effect } from "effect"
import { ComingSoon } from "../../components/ComingSoon.js"
import { effectLoader } from "../../effect.server.js"

export const meta: MetaFunction = () => [{ title: "Audit log · Nezuko" }]

export const loader = effectLoader("read:audit:own", Effect.succeed({}))

export default function Page() {
  return (
    <ComingSoon
      title="Audit log"
      summary="Every change with who made it, when, from where, and the old and new values. Owners see all entries; Admins their own."
    />
  )
}
