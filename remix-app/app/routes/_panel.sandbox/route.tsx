import type { MetaFunction } from "@remix-run/node"
import { AppConfig } from "@nezuko/core"
import { NotFound } from "@nezuko/domain"
import { Effect } from "effect"
import { ComingSoon } from "../../components/ComingSoon.js"
import { effectLoader } from "../../effect.server.js"

export const meta: MetaFunction = () => [{ title: "Sandbox · Nezuko" }]

// The page exists only in sandbox mode (PANEL-16); elsewhere it is a 404, whatever the role.
export const loader = effectLoader(
  "use:sandbox:any",
  Effect.flatMap(AppConfig, (config) => (config.sandboxMode ? Effect.succeed({}) : Effect.fail(new NotFound({ resource: "page", id: "/sandbox" }))))
)

export default function Page() {
  return (
    <ComingSoon
      title="Sandbox"
      summary="Act as the demo users — post, join and leave, press buttons — and watch every Bot API call the bot makes. Until then the sandbox's control API (printed at start-up) drives the demo."
    />
  )
}
