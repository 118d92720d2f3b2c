import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react"

interface ProblemLike {
  readonly title?: string
  readonly detail?: string
  readonly status?: number
  readonly code?: string
  readonly request_id?: string
}

const asProblem = (error: unknown): ProblemLike => {
  if (isRouteErrorResponse(error)) {
    const body: unknown = error.data
    if (typeof body === "object" && body !== null) return { status: error.status, ...(body as ProblemLike) }
    return { status: error.status, title: error.status === 404 ? "Page not found" : error.statusText, detail: typeof body === "string" ? body : "" }
  }
  return { status: 500, title: "Something went wrong", detail: "The page failed to render. Reloading usually helps." }
}

/** The error boundary's view of an RFC 9457 problem (PANEL-19): title, what to do, and the request id. */
export function ProblemView() {
  const problem = asProblem(useRouteError())
  const forbidden = problem.status === 403
  return (
    <section className="problem" role="alert" aria-labelledby="problem-title">
      <p className="problem-status">{problem.status ?? 500}{problem.code ? ` · ${problem.code}` : ""}</p>
      <h1 id="problem-title">{forbidden ? "Not allowed" : problem.title ?? "Something went wrong"}</h1>
      <p>{forbidden ? "Your role does not allow this page or action. Ask an Owner if you need it." : problem.detail}</p>
      {problem.request_id ? <p className="muted">Request id: <code>{problem.request_id}</code></p> : null}
      <p><Link to="/dashboard">Back to the dashboard</Link></p>
    </section>
  )
}
