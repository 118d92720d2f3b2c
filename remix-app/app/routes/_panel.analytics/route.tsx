import type { MetaFunction } from "@remix-run/node"
import { Effect } from "effect"
import { ComingSoon } from "../../components/ComingSoon.js"
import { effectLoader } from "../../effect.server.js"

export const meta: MetaFunction = () => [{ title: "Analytics · Nezuko" }]

export const loader = effectLoader("read:panel:any", Effect.succeed({}))

export default function Page() {
  return (
    <ComingSoon
      title="Analytics"
      summary="Decisions over time, the verification funnel, time to verify, cache hit rate and per-group comparisons, from the real verification log."
    />
  )
}
