import type { InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, MessageEntity, User } from "@grammyjs/types"
import { badRequest } from "../ApiError.js"
import { detectEntities, type FormattedText, parseHtml } from "../Formatting.js"
import { optArray, optBool, optObject, optStr, type Params } from "../Params.js"
import type { World } from "../World.js"

/** text + parse_mode/entities → the text and entities Telegram would store, with its length rules. */
export const readText = (world: World, params: Params, field = "text"): FormattedText => {
  const raw = optStr(params, field) ?? ""
  const parseMode = optStr(params, "parse_mode")
  const given = optArray(params, "entities") as Array<MessageEntity> | undefined
  const lookup = (id: number): User | undefined => world.users.get(id)?.user
  let formatted: FormattedText
  if (given !== undefined) formatted = { text: raw, entities: given }
  else if (parseMode?.toUpperCase() === "HTML") formatted = parseHtml(raw, lookup)
  else formatted = { text: raw, entities: [] }
  if (formatted.text.trim() === "") throw badRequest("message text is empty")
  if (formatted.text.length > 4096) throw badRequest("message is too long")
  const detected = detectEntities(formatted.text).filter(
    (d) => !formatted.entities.some((e) => d.offset < e.offset + e.length && e.offset < d.offset + d.length && (e.type === "code" || e.type === "pre" || e.type === "text_link"))
  )
  const entities = [...formatted.entities, ...detected].sort((a, b) => a.offset - b.offset)
  return { text: formatted.text, entities }
}

const actionFields = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay"
] as const

const validUrl = (url: string): boolean => {
  try {
    const parsed = new URL(url)
    return ["http:", "https:", "tg:"].includes(parsed.protocol) && (parsed.protocol === "tg:" || parsed.hostname.includes("."))
  } catch {
    return false
  }
}

/** Only inline keyboards are stored on the message; reply keyboards affect clients, not the message. */
export const readInlineKeyboard = (params: Params): InlineKeyboardMarkup | undefined => {
  const markup = optObject<Record<string, unknown>>(params, "reply_markup")
  if (markup === undefined || !("inline_keyboard" in markup)) return undefined
  const rows = markup["inline_keyboard"]
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row))) throw badRequest("field \"inline_keyboard\" must be of type Array")
  const keyboard: Array<Array<InlineKeyboardButton>> = []
  for (const row of rows as Array<Array<Record<string, unknown>>>) {
    const out: Array<InlineKeyboardButton> = []
    for (const button of row) {
      if (typeof button !== "object" || button === null || typeof button["text"] !== "string" || button["text"] === "") {
        throw badRequest("text buttons are unallowed in the inline keyboard")
      }
      const actions = actionFields.filter((field) => button[field] !== undefined)
      if (actions.length !== 1) throw badRequest("can't find field \"text\" or a button action in the inline keyboard button")
      const data = button["callback_data"]
      if (data !== undefined && (typeof data !== "string" || Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64)) {
        throw badRequest("BUTTON_DATA_INVALID")
      }
      const url = button["url"]
      if (url !== undefined && (typeof url !== "string" || !validUrl(url))) {
        throw badRequest(`inline keyboard button URL '${String(url)}' is invalid: Wrong URL host`)
      }
      const text = button["text"]
      // The sandbox models the two button kinds bots use for flows like Nezuko's; others are refused loudly.
      if (typeof url === "string") out.push({ text, url })
      else if (typeof data === "string") out.push({ text, callback_data: data })
      else throw badRequest(`the sandbox supports only url and callback_data buttons, got ${actions[0] ?? "none"}`)
    }
    if (out.length > 0) keyboard.push(out)
  }
  return keyboard.length === 0 ? undefined : { inline_keyboard: keyboard }
}

export const readLinkPreview = (params: Params): LinkPreviewOptions | undefined => {
  const options = optObject<LinkPreviewOptions>(params, "link_preview_options")
  if (options !== undefined) return options
  return optBool(params, "disable_web_page_preview") === true ? { is_disabled: true } : undefined
}
