import { ApiError, tooManyRequests } from "./ApiError.js"
import type { CallLog, FaultKind } from "./CallLog.js"
import type { Faults } from "./Faults.js"
import type { Limits } from "./Limits.js"
import { type Core, Described } from "./methods/Core.js"
import { findMethod } from "./methods/index.js"
import type { Params } from "./Params.js"

export type Outcome =
  | { readonly kind: "response"; readonly status: number; readonly body: Record<string, unknown> }
  | { readonly kind: "drop" }

const statusTexts: Record<number, string> = { 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" }

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const chatIdOf = (core: Core, params: Params): number | undefined => {
  const raw = params["chat_id"]
  if (typeof raw === "number") return raw
  if (typeof raw === "string") {
    if (/^-?\d+$/.test(raw)) return Number(raw)
    return core.world.findChatByUsername(raw)?.id
  }
  return undefined
}

/** Runs one Bot API call: faults, then flood limits, then the method; every call lands in the log. */
export class Dispatcher {
  constructor(
    private readonly core: Core,
    private readonly faults: Faults,
    private readonly limits: Limits,
    private readonly calls: CallLog
  ) {}

  /** Records a request refused before any method ran (wrong token). */
  reject(method: string, params: Params, errorCode: number, description: string): void {
    this.calls.add({
      at: this.core.opts.now(),
      method: findMethod(method)?.name ?? method,
      params,
      ok: false,
      errorCode,
      description,
      result: undefined,
      injected: undefined,
      durationMs: 0,
      viaWebhookReply: false
    })
  }

  async call(rawMethod: string, params: Params, signal: AbortSignal, viaWebhookReply = false): Promise<Outcome> {
    const started = this.core.opts.now()
    const startedReal = performance.now()
    const found = findMethod(rawMethod)
    const method = found?.name ?? rawMethod
    let injected: FaultKind | undefined
    const finish = (outcome: Outcome, result?: unknown): Outcome => {
      const body = outcome.kind === "response" ? outcome.body : undefined
      this.calls.add({
        at: started,
        method,
        params,
        ok: body?.["ok"] === true,
        errorCode: outcome.kind === "drop" ? 0 : typeof body?.["error_code"] === "number" ? body["error_code"] : undefined,
        description: outcome.kind === "drop" ? "connection dropped" : typeof body?.["description"] === "string" ? body["description"] : undefined,
        result,
        injected,
        durationMs: Math.round((performance.now() - startedReal) * 100) / 100,
        viaWebhookReply
      })
      return outcome
    }
    const fail = (error: ApiError): Outcome => {
      const body: Record<string, unknown> = { ok: false, error_code: error.errorCode, description: error.description }
      if (error.parameters !== undefined) body["parameters"] = error.parameters
      return finish({ kind: "response", status: error.errorCode, body })
    }
    if (found === undefined) return fail(new ApiError(404, "Not Found"))

    const drawn = this.faults.draw(method)
    if (drawn.latency) {
      injected = "latency"
      await sleep(drawn.latencyMs)
    }
    const fault = drawn.terminal
    if (fault !== undefined) {
      injected = fault.kind
      if (fault.kind === "drop") return finish({ kind: "drop" })
      if (fault.kind === "rateLimit") {
        const retryAfter = fault.retryAfter ?? 5
        this.limits.recordInjected(method, chatIdOf(this.core, params), retryAfter, this.core.opts.now())
        return fail(tooManyRequests(retryAfter))
      }
      const status = fault.status ?? 502
      return fail(new ApiError(status, statusTexts[status] ?? "Internal Server Error"))
    }

    const retryAfter = this.limits.check(method, chatIdOf(this.core, params), this.core.opts.now())
    if (retryAfter !== undefined) return fail(tooManyRequests(retryAfter))

    try {
      const value = await found.handler(this.core, params, signal)
      const body: Record<string, unknown> =
        value instanceof Described ? { ok: true, result: value.result, description: value.description } : { ok: true, result: value }
      return finish({ kind: "response", status: 200, body }, body["result"])
    } catch (error) {
      if (error instanceof ApiError) return fail(error)
      const text = error instanceof Error ? error.message : String(error)
      return fail(new ApiError(500, `Internal Server Error: ${text}`))
    }
  }
}
