/** SEC-11's codes: status and a title a person can read. The `type` URI points at /problems/<code>. */
export const problemCodes = {
  AUTH_001: { status: 401, title: "Not signed in" },
  AUTH_002: { status: 401, title: "Session expired" },
  AUTH_003: { status: 403, title: "Not allowed" },
  AUTH_004: { status: 401, title: "Refresh token invalid or expired" },
  AUTH_005: { status: 401, title: "Session ended: refresh token reused" },
  AUTH_006: { status: 403, title: "Account inactive" },
  CSRF_001: { status: 403, title: "Request refused by the CSRF check" },
  VAL_001: { status: 422, title: "Validation failed" },
  RES_001: { status: 404, title: "Not found" },
  RES_002: { status: 409, title: "Conflict" },
  RATE_001: { status: 429, title: "Too many requests" },
  RATE_002: { status: 429, title: "Too many sign-in attempts" },
  EXT_001: { status: 503, title: "Database unavailable" },
  EXT_003: { status: 503, title: "Telegram unavailable" },
  SRV_001: { status: 500, title: "Unexpected error" }
} as const

export type ProblemCode = keyof typeof problemCodes

export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly instance: string
  readonly code: ProblemCode
  readonly request_id: string
  readonly errors?: ReadonlyArray<{ readonly field: string; readonly message: string }>
}

export const isProblem = (value: unknown): value is Problem =>
  typeof value === "object" && value !== null && "code" in value && "request_id" in value && "status" in value

export const makeProblem = (
  publicUrl: string,
  code: ProblemCode,
  detail: string,
  at: { readonly instance: string; readonly requestId: string },
  errors?: ReadonlyArray<{ readonly field: string; readonly message: string }>
): Problem => ({
  type: `${publicUrl.replace(/\/$/, "")}/problems/${code}`,
  title: problemCodes[code].title,
  status: problemCodes[code].status,
  detail,
  instance: at.instance,
  code,
  request_id: at.requestId,
  ...(errors === undefined ? {} : { errors })
})

/** A JSON API error response (SEC-11): `application/problem+json`. */
export const problemResponse = (problem: Problem, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": "application/problem+json", ...headers }
  })
