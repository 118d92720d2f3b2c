import { AppConfig, can, Csrf, CurrentAdmin } from "@nezuko/core"
import { Effect } from "effect"
import { navigation } from "../../navigation.js"

export const layout = Effect.gen(function* () {
  const me = yield* CurrentAdmin
  const config = yield* AppConfig
  const csrf = yield* Csrf
  return {
    me: { email: me.email, displayName: me.displayName, role: me.role },
    csrfToken: csrf.tokenFor(me.familyId),
    sandboxMode: config.sandboxMode,
    nav: navigation
      .filter((item) => can(me.role, item.permission) && (!item.sandboxOnly || config.sandboxMode))
      .map((item) => ({ to: item.to, label: item.label }))
  }
})
