import type { MetaFunction } from "@remix-run/node"
import { Link, useLoaderData } from "@remix-run/react"
import { NotFound } from "@nezuko/domain"
import { Effect } from "effect"
import { publicLoader } from "../effect.server.js"
import { problemCodes } from "../problems.server.js"
import { RequestInfo } from "../request.server.js"

const help: Record<string, string> = {
  AUTH_001: "Sign in again. If you were signed in, your session ended.",
  AUTH_002: "Your session expired and could not be renewed. Sign in again.",
  AUTH_003: "Your role does not include this action. An Owner can change your role.",
  AUTH_004: "The refresh token is unknown, expired or revoked. Sign in again.",
  AUTH_005: "A refresh token was used twice, which happens when one is stolen. That sign-in was ended everywhere; sign in again and tell an Owner if this was unexpected.",
  AUTH_006: "This account was deactivated by an Owner.",
  CSRF_001: "The request did not come from the panel's own pages, or its CSRF token was missing or stale. Reload the page and try again.",
  VAL_001: "Some fields are invalid; `errors` lists each with a JSON pointer.",
  RES_001: "The resource does not exist, or you may not see it.",
  RES_002: "The change conflicts with the current state (a duplicate, a stale update, the last Owner, a linked channel). Reload and retry.",
  RATE_001: "Too many API requests: 100 per minute per user, 20 of them writes. Wait for Retry-After.",
  RATE_002: "Too many sign-in attempts from this address, or the account is locked. Wait for Retry-After, or ask an Owner to unlock it.",
  EXT_001: "The database is unavailable. Retry shortly.",
  EXT_003: "Telegram is unavailable or refused the call. Retry shortly.",
  SRV_001: "An unexpected error; it was logged with the request id."
}

export const meta: MetaFunction = () => [{ title: "Problem · Nezuko" }]

/** The human-readable page behind every problem `type` URI (SEC-11). */
export const loader = publicLoader(Effect.gen(function* () {
  const { params } = yield* RequestInfo
  const code = String(params.code ?? "")
  if (!(code in problemCodes)) return yield* new NotFound({ resource: "problem", id: code })
  const entry = problemCodes[code as keyof typeof problemCodes]
  return { code, status: entry.status, title: entry.title, help: help[code] ?? "" }
}))

export default function ProblemPage() {
  const problem = useLoaderData<typeof loader>()
  return (
    <main className="centered">
      <section className="card">
        <p className="problem-status">{problem.status} · {problem.code}</p>
        <h1>{problem.title}</h1>
        <p>{problem.help}</p>
        <p><Link to="/dashboard">Back to the panel</Link></p>
      </section>
    </main>
  )
}
