import type { MetaFunction } from "@remix-run/node"
import { Effect } from "effect"
import { ComingSoon } from "../../components/ComingSoon.js"
import { effectLoader } from "../../effect.server.js"

export const meta: MetaFunction = () => [{ title: "Live logs · Nezuko" }]

export const loader = effectLoader("read:logs:any", Effect.succeed({}))

export default function Page() {
  return (
    <ComingSoon
      title="Live logs"
      summary="A live stream of the bot's log with level filter, search, pause and resume."
    />
  )
}
