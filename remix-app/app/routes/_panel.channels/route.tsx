import type { MetaFunction } from "@remix-run/node"
import { Effect } from "effect"
import { ComingSoon } from "../../components/ComingSoon.js"
import { effectLoader } from "../../effect.server.js"

export const meta: MetaFunction = () => [{ title: "Channels · Nezuko" }]

export const loader = effectLoader("read:panel:any", Effect.succeed({}))

export default function Page() {
  return (
    <ComingSoon
      title="Channels"
      summary="Every required channel with its health, invite link and linked groups, and adding or refreshing channels."
    />
  )
}
