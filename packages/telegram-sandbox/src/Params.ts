import { ApiError, badRequest, Texts } from "./ApiError.js"

/**
 * Raw parameters of one call. JSON bodies keep their types; query strings, url-encoded and multipart
 * bodies carry strings (objects JSON-serialized), so every reader accepts both forms, as Telegram does.
 */
export type Params = Readonly<Record<string, unknown>>

const parseJson = (value: string): unknown => {
  try {
    return JSON.parse(value)
  } catch {
    return undefined
  }
}

export const optInt = (p: Params, name: string): number | undefined => {
  const value = p[name]
  if (value === undefined || value === null || value === "") return undefined
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN
  if (!Number.isFinite(n)) throw badRequest(`field "${name}" must be of type Integer`)
  return Math.trunc(n)
}

export const reqInt = (p: Params, name: string, missing?: string): number => {
  const n = optInt(p, name)
  if (n === undefined) throw badRequest(missing ?? `parameter "${name}" is required`)
  return n
}

export const userIdParam = (p: Params): number => {
  const value = p["user_id"]
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n <= 0) throw badRequest(Texts.invalidUserId)
  return n
}

export const optStr = (p: Params, name: string): string | undefined => {
  const value = p[name]
  if (value === undefined || value === null) return undefined
  if (typeof value === "string") return value
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  throw badRequest(`field "${name}" must be of type String`)
}

export const optBool = (p: Params, name: string): boolean | undefined => {
  const value = p[name]
  if (value === undefined || value === null || value === "") return undefined
  if (typeof value === "boolean") return value
  if (value === "true" || value === "1" || value === 1) return true
  if (value === "false" || value === "0" || value === 0) return false
  throw badRequest(`field "${name}" must be of type Boolean`)
}

export const optJson = (p: Params, name: string): unknown => {
  const value = p[name]
  if (value === undefined || value === null || value === "") return undefined
  if (typeof value === "string") {
    const parsed = parseJson(value)
    if (parsed === undefined) throw badRequest(`can't parse ${name} JSON object`)
    return parsed
  }
  return value
}

export const optObject = <T extends object>(p: Params, name: string): T | undefined => {
  const value = optJson(p, name)
  if (value === undefined) return undefined
  if (typeof value !== "object" || Array.isArray(value)) throw badRequest(`field "${name}" must be of type Object`)
  // The Bot API trusts the declared shape too; handlers re-check the fields they rely on.
  return value as T
}

export const optArray = (p: Params, name: string): ReadonlyArray<unknown> | undefined => {
  const value = optJson(p, name)
  if (value === undefined) return undefined
  if (!Array.isArray(value)) throw badRequest(`field "${name}" must be of type Array`)
  return value
}

/** chat_id: an integer or an `@username` of a public chat. */
export const chatRef = (p: Params, name = "chat_id"): number | string => {
  const value = p[name]
  if (value === undefined || value === null || value === "") throw badRequest(`${name} is empty`)
  if (typeof value === "number") return Math.trunc(value)
  if (typeof value === "string") {
    if (/^-?\d+$/.test(value.trim())) return Number(value.trim())
    if (value.startsWith("@")) return value
    throw badRequest(Texts.chatNotFound)
  }
  throw new ApiError(400, "Bad Request: chat_id is invalid")
}
