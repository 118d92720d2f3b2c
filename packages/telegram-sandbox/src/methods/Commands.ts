import type { BotCommand, BotCommandScope } from "@grammyjs/types"
import { badRequest } from "../ApiError.js"
import { optArray, optObject, optStr, type Params } from "../Params.js"
import type { Core } from "./Core.js"

const scopeTypes = new Set([
  "default",
  "all_private_chats",
  "all_group_chats",
  "all_chat_administrators",
  "chat",
  "chat_administrators",
  "chat_member"
])

/** Commands are stored per (scope, language); the key ignores the order of the scope's fields. */
const keyOf = (params: Params): string => {
  const scope = optObject<Partial<BotCommandScope> & Record<string, unknown>>(params, "scope") ?? { type: "default" }
  const type = typeof scope.type === "string" ? scope.type : ""
  if (!scopeTypes.has(type)) throw badRequest("unsupported bot command scope type")
  const needsChat = type === "chat" || type === "chat_administrators" || type === "chat_member"
  if (needsChat && scope["chat_id"] === undefined) throw badRequest("chat_id is empty")
  if (type === "chat_member" && scope["user_id"] === undefined) throw badRequest("invalid user_id specified")
  const language = optStr(params, "language_code") ?? ""
  return [type, needsChat ? String(scope["chat_id"]) : "", type === "chat_member" ? String(scope["user_id"]) : "", language].join("|")
}

export const setMyCommands = (core: Core, params: Params): true => {
  const raw = optArray(params, "commands") ?? []
  if (raw.length > 100) throw badRequest("BOT_COMMANDS_TOO_MUCH")
  const commands: Array<BotCommand> = raw.map((entry) => {
    const command = typeof entry === "object" && entry !== null && "command" in entry ? String(entry.command) : ""
    const description = typeof entry === "object" && entry !== null && "description" in entry ? String(entry.description) : ""
    if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest("BOT_COMMAND_INVALID")
    if (description.length < 1 || description.length > 256) throw badRequest("command description must be non-empty")
    return { command, description }
  })
  const key = keyOf(params)
  if (commands.length === 0) core.world.commands.delete(key)
  else core.world.commands.set(key, commands)
  return true
}

export const getMyCommands = (core: Core, params: Params): Array<BotCommand> => [...(core.world.commands.get(keyOf(params)) ?? [])]

export const deleteMyCommands = (core: Core, params: Params): true => {
  core.world.commands.delete(keyOf(params))
  return true
}
