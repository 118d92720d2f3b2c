import type { RunningSandbox } from "../src/index.js"

export interface ApiBody {
  readonly ok: boolean
  readonly result?: unknown
  readonly error_code?: number
  readonly description?: string
  readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number }
}

/** Calls the Bot API over HTTP as a bot would (JSON body). */
export const api = async (sandbox: RunningSandbox, method: string, params: Record<string, unknown> = {}, token = sandbox.token): Promise<ApiBody> => {
  const response = await fetch(`${sandbox.apiRoot}/bot${token}/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(params)
  })
  return (await response.json()) as ApiBody
}

/** A result that must be ok; fails the test with Telegram's description otherwise. */
export const ok = async <T = unknown>(sandbox: RunningSandbox, method: string, params: Record<string, unknown> = {}): Promise<T> => {
  const body = await api(sandbox, method, params)
  if (!body.ok) throw new Error(`${method} failed: ${body.error_code} ${body.description}`)
  return body.result as T
}

export const control = async (sandbox: RunningSandbox, method: string, path: string, body?: unknown): Promise<{ status: number; body: { ok: boolean; result?: unknown; error?: string } }> => {
  const init: RequestInit = { method, headers: { "content-type": "application/json" } }
  if (body !== undefined) init.body = JSON.stringify(body)
  const response = await fetch(`${sandbox.controlUrl}${path}`, init)
  return { status: response.status, body: (await response.json()) as { ok: boolean; result?: unknown; error?: string } }
}

/** A clock tests can move by hand. */
export const manualClock = (start = Date.UTC(2025, 0, 1)): { now: () => number; advance: (ms: number) => void } => {
  let current = start
  return { now: () => current, advance: (ms) => void (current += ms) }
}
