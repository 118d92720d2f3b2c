import type { MetaFunction } from "@remix-run/node"
import { Effect } from "effect"
import { ComingSoon } from "../../components/ComingSoon.js"
import { effectLoader } from "../../effect.server.js"

export const meta: MetaFunction = () => [{ title: "Status · Nezuko" }]

export const loader = effectLoader("read:panel:any", Effect.succeed({}))

export default function Page() {
  return (
    <ComingSoon
      title="Status"
      summary="Replicas, webhook state, circuit breakers, rate-limiter queues, jobs and open alerts."
    />
  )
}
