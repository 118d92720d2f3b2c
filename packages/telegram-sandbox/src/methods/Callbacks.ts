import { badRequest, Texts } from "../ApiError.js"
import { optBool, optInt, optStr, type Params } from "../Params.js"
import type { Core } from "./Core.js"

/** A callback query can be answered once, within callbackExpiryMs (Telegram: about 15 s) of the press. */
export const answerCallbackQuery = (core: Core, params: Params): true => {
  const id = optStr(params, "callback_query_id")
  const query = id === undefined ? undefined : core.world.callbacks.get(id)
  const now = core.world.nowMs()
  if (query === undefined || query.answer !== undefined || now - query.createdAt > core.opts.callbackExpiryMs) {
    throw badRequest(Texts.queryTooOld)
  }
  const text = optStr(params, "text")
  if (text !== undefined && text.length > 200) throw badRequest("MESSAGE_TOO_LONG")
  query.answer = {
    text,
    showAlert: optBool(params, "show_alert") ?? false,
    url: optStr(params, "url"),
    cacheTime: optInt(params, "cache_time"),
    at: now
  }
  return true
}
