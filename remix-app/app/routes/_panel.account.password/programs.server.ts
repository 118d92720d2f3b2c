import { AdminAccounts, CurrentAdmin } from "@nezuko/core"
import { data, redirect } from "@remix-run/node"
import { Effect, Schema } from "effect"
import { auditContext, formData } from "../../request.server.js"

export const show = Effect.map(CurrentAdmin, (me) => ({ forced: me.mustChangePassword }))

const PasswordForm = Schema.Struct({
  current_password: Schema.String.pipe(Schema.maxLength(1024)),
  new_password: Schema.String.pipe(Schema.maxLength(1024)),
  confirm_password: Schema.String.pipe(Schema.maxLength(1024))
})

export const change = Effect.gen(function* () {
  const me = yield* CurrentAdmin
  const input = yield* Schema.decodeUnknown(PasswordForm)(Object.fromEntries(yield* formData))
  if (input.new_password !== input.confirm_password) {
    return data({ errors: [{ field: "/confirm_password", message: "The two new passwords differ" }] }, { status: 400 })
  }
  const accounts = yield* AdminAccounts
  return yield* accounts.changePassword(me, input.current_password, input.new_password, yield* auditContext).pipe(
    Effect.as(redirect("/account?password=changed", 303)),
    Effect.catchTag("ValidationFailed", (e) => Effect.succeed(data({ errors: e.errors.map((x) => ({ field: x.field, message: x.message })) }, { status: 400 })))
  )
})
