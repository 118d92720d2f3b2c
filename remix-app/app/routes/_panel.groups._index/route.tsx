import type { MetaFunction } from "@remix-run/node"
import { Effect } from "effect"
import { ComingSoon } from "../../components/ComingSoon.js"
import { effectLoader } from "../../effect.server.js"

export const meta: MetaFunction = () => [{ title: "Groups · Nezuko" }]

export const loader = effectLoader("read:panel:any", Effect.succeed({}))

export default function Page() {
  return (
    <ComingSoon
      title="Groups"
      summary="The searchable, sortable list of every group with bulk enable and disable. Until then, open a group's settings from its id: /groups/<chat id>."
    />
  )
}
