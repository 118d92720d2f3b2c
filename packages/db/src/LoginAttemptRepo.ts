import { SqlClient, SqlSchema } from "@effect/sql"
import { Effect, Schema } from "effect"
import { dbCall } from "./dbCall.js"

export const LoginAttempt = Schema.Struct({
  email: Schema.String,
  ip: Schema.NullOr(Schema.String),
  success: Schema.Boolean,
  reason: Schema.NullOr(Schema.String)
})
export type LoginAttempt = typeof LoginAttempt.Type

const StoredAttempt = Schema.Struct({ ...LoginAttempt.fields, at: Schema.DateFromSelf })

/** Every sign-in attempt, successful or not (DATA-17, SEC-8); kept 30 days by the retention job. */
export class LoginAttemptRepo extends Effect.Service<LoginAttemptRepo>()("@nezuko/db/LoginAttemptRepo", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const insert = SqlSchema.void({
      Request: LoginAttempt,
      execute: (a) => sql`
        INSERT INTO login_attempts (email, ip, success, reason) VALUES (${a.email.toLowerCase()}, ${a.ip}::inet, ${a.success}, ${a.reason})`
    })
    const recent = SqlSchema.findAll({
      Request: Schema.Struct({ email: Schema.String, limit: Schema.Int }),
      Result: StoredAttempt,
      execute: ({ email, limit }) => sql`
        SELECT at, email, host(ip) AS ip, success, reason FROM login_attempts WHERE email = ${email.toLowerCase()}
        ORDER BY at DESC, id DESC LIMIT ${limit}`
    })

    return {
      record: (attempt: LoginAttempt) => dbCall(insert(attempt)),
      recentForEmail: (email: string, limit = 50) => dbCall(recent({ email, limit }))
    } as const
  })
}) {}
