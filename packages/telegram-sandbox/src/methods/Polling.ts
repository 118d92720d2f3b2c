import type { Update, UserFromGetMe, WebhookInfo } from "@grammyjs/types"
import { ApiError, badRequest } from "../ApiError.js"
import { optArray, optBool, optInt, optStr, type Params } from "../Params.js"
import type { UpdateKind } from "../Updates.js"
import { type Core, Described } from "./Core.js"

const readAllowed = (params: Params): Array<string> | undefined =>
  optArray(params, "allowed_updates")?.filter((v): v is string => typeof v === "string")

export const getMe = (core: Core): UserFromGetMe => core.world.me

export const getUpdates = async (core: Core, params: Params, signal: AbortSignal): Promise<Array<Update>> => {
  if (core.webhook.config !== undefined) {
    throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
  }
  const offset = optInt(params, "offset")
  const limit = Math.min(Math.max(optInt(params, "limit") ?? 100, 1), 100)
  const timeout = Math.min(Math.max(optInt(params, "timeout") ?? 0, 0), 50)
  const allowed = readAllowed(params)
  if (allowed !== undefined) core.updates.setAllowed(allowed)
  if (offset !== undefined) core.updates.confirm(offset)

  // Only one long poll may run: a newer request ends the older one with 409, as Telegram does.
  core.poll?.abort()
  const mine = new AbortController()
  core.poll = mine
  const stop = (): void => mine.abort()
  signal.addEventListener("abort", stop)
  try {
    if (core.updates.pending.length === 0 && timeout > 0) {
      core.updates.notifyPolling()
      await core.updates.wait(timeout * 1000, mine.signal)
    }
    if (mine.signal.aborted && !signal.aborted) {
      throw new ApiError(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
    }
    if (core.webhook.config !== undefined) return []
    return core.updates.take(limit)
  } finally {
    signal.removeEventListener("abort", stop)
    if (core.poll === mine) core.poll = undefined
  }
}

export const setWebhook = (core: Core, params: Params): Described => {
  const url = optStr(params, "url") ?? ""
  if (optBool(params, "drop_pending_updates") === true) core.updates.clear()
  const allowed = readAllowed(params)
  if (allowed !== undefined) core.updates.setAllowed(allowed)
  if (url === "") {
    const had = core.webhook.config !== undefined
    core.webhook.delete()
    return new Described(true, had ? "Webhook was deleted" : "Webhook is already deleted")
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw badRequest("bad webhook: Failed to resolve host: Name or service not known")
  }
  // Telegram insists on HTTPS and ports 80/88/443/8443; the sandbox accepts http on any port so tests can listen locally.
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw badRequest("bad webhook: HTTPS url must be provided for webhook")
  const secretToken = optStr(params, "secret_token")
  if (secretToken !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken)) {
    throw badRequest("secret token contains unallowed characters")
  }
  const maxConnections = Math.min(Math.max(optInt(params, "max_connections") ?? 40, 1), 100)
  const same = core.webhook.config?.url === url
  core.webhook.set({ url, secretToken, maxConnections, ipAddress: optStr(params, "ip_address") })
  return new Described(true, same ? "Webhook is already set" : "Webhook was set")
}

export const deleteWebhook = (core: Core, params: Params): Described => {
  if (optBool(params, "drop_pending_updates") === true) core.updates.clear()
  const had = core.webhook.config !== undefined
  core.webhook.delete()
  return new Described(true, had ? "Webhook was deleted" : "Webhook is already deleted")
}

export const getWebhookInfo = (core: Core): WebhookInfo => {
  const config = core.webhook.config
  const info: WebhookInfo = { url: config?.url ?? "", has_custom_certificate: false, pending_update_count: core.updates.pending.length }
  if (config === undefined) return info
  info.max_connections = config.maxConnections
  info.ip_address = config.ipAddress ?? "127.0.0.1"
  if (core.webhook.lastErrorDate !== undefined) info.last_error_date = core.webhook.lastErrorDate
  if (core.webhook.lastErrorMessage !== undefined) info.last_error_message = core.webhook.lastErrorMessage
  const allowed: ReadonlyArray<UpdateKind> | undefined = core.updates.allowedUpdates
  if (allowed !== undefined) info.allowed_updates = [...allowed]
  return info
}
