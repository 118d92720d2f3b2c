import type { MetaFunction } from "@remix-run/node"
import { Effect } from "effect"
import { ComingSoon } from "../../components/ComingSoon.js"
import { effectLoader } from "../../effect.server.js"

export const meta: MetaFunction = () => [{ title: "Settings · Nezuko" }]

export const loader = effectLoader("read:settings:any", Effect.succeed({}))

export default function Page() {
  return (
    <ComingSoon
      title="Settings"
      summary="Defaults for new groups, texts per language, limits and retention, and a read-only view of the infrastructure."
    />
  )
}
