import { Csrf, CurrentAdmin } from "@nezuko/core"
import { Effect } from "effect"
import { apiLoader } from "../effect.server.js"

/** GET /api/v1/me: who is signed in, with the CSRF token scripts send back on writes. */
export const loader = apiLoader("update:account:own", Effect.gen(function* () {
  const me = yield* CurrentAdmin
  const csrf = yield* Csrf
  return {
    id: me.id,
    email: me.email,
    display_name: me.displayName,
    role: me.role,
    must_change_password: me.mustChangePassword,
    csrf_token: csrf.tokenFor(me.familyId)
  }
}))
