import type { MetaFunction } from "@remix-run/node"
import { Effect } from "effect"
import { ComingSoon } from "../../components/ComingSoon.js"
import { effectLoader } from "../../effect.server.js"

export const meta: MetaFunction = () => [{ title: "Admins · Nezuko" }]

export const loader = effectLoader("manage:admins:any", Effect.succeed({}))

export default function Page() {
  return (
    <ComingSoon
      title="Admins"
      summary="Creating panel users, changing roles, deactivating, resetting passwords and unlocking accounts. Until then use `pnpm nezuko admin create|reset-password|unlock`."
    />
  )
}
