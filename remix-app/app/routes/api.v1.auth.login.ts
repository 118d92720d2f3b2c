import { Effect, Schema } from "effect"
import { signIn } from "../auth.server.js"
import { publicApi } from "../effect.server.js"
import { RequestInfo } from "../request.server.js"

const Body = Schema.Struct({
  email: Schema.String.pipe(Schema.maxLength(254)),
  password: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(1024))
})

/** POST /api/v1/auth/login (PANEL-17): JSON in, cookies out; the CSRF token for later writes in the body. */
export const action = publicApi(Effect.gen(function* () {
  const info = yield* RequestInfo
  const body = yield* Effect.promise(() => info.request.json().catch(() => ({})))
  const input = yield* Schema.decodeUnknown(Body)(body, { errors: "all" })
  const session = yield* signIn(input.email, input.password)
  return {
    admin: { id: session.admin.id, email: session.admin.email, role: session.admin.role, must_change_password: session.admin.mustChangePassword },
    csrf_token: session.csrfToken
  }
}))
