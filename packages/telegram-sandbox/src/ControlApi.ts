import type { ChatPermissions } from "@grammyjs/types"
import { DEMO } from "./Demo.js"
import type { SandboxDriver } from "./Driver.js"
import type { FaultSpec } from "./Faults.js"
import type { AdminRights } from "./Permissions.js"
import { fail, SandboxError } from "./SandboxError.js"
import type { BotSetup, ChatInput, MemberSpec, UserInput } from "./WorldBuilder.js"

type Body = Record<string, unknown>
type Route = (driver: SandboxDriver, body: Body, query: URLSearchParams, match: RegExpExecArray) => unknown

const num = (body: Body, key: string): number => {
  const value = body[key]
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN
  return Number.isFinite(n) ? n : fail(`"${key}" must be a number`)
}
const optNum = (body: Body, key: string): number | undefined => (body[key] === undefined ? undefined : num(body, key))
const str = (body: Body, key: string): string => {
  const value = body[key]
  return typeof value === "string" ? value : fail(`"${key}" must be a string`)
}
const optStr = (body: Body, key: string): string | undefined => (body[key] === undefined ? undefined : str(body, key))
const obj = <T>(body: Body, key: string): T => {
  const value = body[key]
  // The control API is a test tool: it trusts the documented shapes and the driver re-validates ids.
  return typeof value === "object" && value !== null ? (value as T) : fail(`"${key}" must be an object`)
}
/** Drops undefined fields, so optional inputs satisfy exactOptionalPropertyTypes. */
type Defined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>
}
const defined = <T extends object>(value: T): Defined<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Defined<T>

const chatInput = (body: Body): ChatInput =>
  defined({
    title: str(body, "title"),
    id: optNum(body, "id"),
    username: optStr(body, "username"),
    description: optStr(body, "description"),
    permissions: body["permissions"] === undefined ? undefined : obj<ChatPermissions>(body, "permissions"),
    ownerId: optNum(body, "ownerId"),
    bot: body["bot"] as BotSetup | undefined,
    members: Array.isArray(body["members"]) ? body["members"].map(Number) : undefined
  })

const userInput = (body: Body): UserInput =>
  defined({
    firstName: str(body, "firstName"),
    lastName: optStr(body, "lastName"),
    username: optStr(body, "username"),
    id: optNum(body, "id"),
    languageCode: optStr(body, "languageCode"),
    isBot: body["isBot"] === true ? true : undefined,
    isPremium: body["isPremium"] === true ? true : undefined,
    startedBot: body["startedBot"] === true ? true : undefined
  })

const faultKinds = new Set(["latency", "error", "rateLimit", "drop"])

const faultSpec = (body: Body): FaultSpec => {
  const kind = str(body, "kind")
  if (kind !== "latency" && kind !== "error" && kind !== "rateLimit" && kind !== "drop") {
    return fail(`"kind" must be one of ${[...faultKinds].join(", ")}`)
  }
  const known: FaultSpec["kind"] = kind
  return defined({
    method: str(body, "method"),
    kind: known,
    probability: optNum(body, "probability"),
    count: optNum(body, "count"),
    latencyMs: optNum(body, "latencyMs"),
    status: optNum(body, "status"),
    retryAfter: optNum(body, "retryAfter")
  })
}

const routes: Array<[string, RegExp, Route]> = [
  ["GET", /^\/$/, () => ({ endpoints: routes.map(([method, pattern]) => `${method} /_sandbox${pattern.source.replace(/^\^|\$$/g, "").replace(/\\\//g, "/")}`) })],
  ["GET", /^\/demo$/, () => DEMO],
  ["GET", /^\/state$/, (d) => ({ users: d.users(), chats: d.chats() })],
  ["POST", /^\/users$/, (d, b) => d.createUser(userInput(b))],
  ["GET", /^\/users$/, (d) => d.users()],
  ["GET", /^\/chats$/, (d) => d.chats()],
  [
    "POST",
    /^\/chats$/,
    (d, b) => {
      const type = str(b, "type")
      if (type === "group") return d.createGroup(chatInput(b))
      if (type === "channel") return d.createChannel(chatInput(b))
      if (type === "supergroup") return d.createSupergroup(defined({ ...chatInput(b), linkedChannelId: optNum(b, "linkedChannelId") }))
      return fail(`unknown chat type ${type}`)
    }
  ],
  ["POST", /^\/chats\/link$/, (d, b) => d.linkDiscussion(num(b, "groupId"), num(b, "channelId"))],
  ["POST", /^\/chats\/upgrade$/, (d, b) => d.upgradeToSupergroup(num(b, "groupId"))],
  ["GET", /^\/chats\/(-?\d+)$/, (d, _b, _q, m) => d.chat(Number(m[1]))],
  ["GET", /^\/chats\/(-?\d+)\/members\/(\d+)$/, (d, _b, _q, m) => d.member(Number(m[1]), Number(m[2]))],
  [
    "POST",
    /^\/members$/,
    (d, b) => d.setMember(num(b, "chatId"), num(b, "userId"), obj<MemberSpec>(b, "member"), defined({ by: optNum(b, "by"), silent: b["silent"] === true }))
  ],
  [
    "POST",
    /^\/bot$/,
    (d, b) => {
      const options = defined({ by: optNum(b, "by"), silent: b["silent"] === true })
      if (b["rights"] !== undefined) return d.setBotRights(num(b, "chatId"), obj<Partial<AdminRights>>(b, "rights"), options)
      return d.setBotMember(num(b, "chatId"), (b["setup"] ?? "admin") as BotSetup | MemberSpec, options)
    }
  ],
  [
    "POST",
    /^\/messages$/,
    (d, b) => {
      const options = defined({ replyTo: optNum(b, "replyTo") })
      const [userId, chatId, text] = [num(b, "userId"), num(b, "chatId"), str(b, "text")]
      if (b["asChannelId"] !== undefined) return d.postAsChannel(userId, chatId, num(b, "asChannelId"), text, options)
      if (b["anonymousAdmin"] === true) return d.postAsAnonymousAdmin(userId, chatId, text, options)
      return d.sendMessage(userId, chatId, text, options)
    }
  ],
  ["POST", /^\/commands$/, (d, b) => d.sendCommand(num(b, "userId"), num(b, "chatId"), str(b, "command"), optStr(b, "args") ?? "")],
  ["POST", /^\/channel-posts$/, (d, b) => d.postToChannel(num(b, "channelId"), str(b, "text"))],
  ["POST", /^\/start$/, (d, b) => d.startBot(num(b, "userId"))],
  ["POST", /^\/block$/, (d, b) => d.blockBot(num(b, "userId"))],
  [
    "POST",
    /^\/press$/,
    (d, b) => ({
      callbackQueryId: d.pressButton(num(b, "userId"), num(b, "chatId"), num(b, "messageId"), defined({ data: optStr(b, "data"), text: optStr(b, "text") }))
    })
  ],
  ["GET", /^\/callbacks\/(\d+)$/, (d, _b, _q, m) => d.callback(m[1] ?? "")],
  ["POST", /^\/join$/, (d, b) => d.joinChat(num(b, "userId"), num(b, "chatId"), defined({ invitedBy: optNum(b, "invitedBy"), inviteLink: optStr(b, "inviteLink") }))],
  ["POST", /^\/leave$/, (d, b) => d.leaveChat(num(b, "userId"), num(b, "chatId"))],
  ["POST", /^\/join-requests$/, (d, b) => d.requestToJoin(num(b, "userId"), num(b, "chatId"), defined({ inviteLink: optStr(b, "inviteLink"), bio: optStr(b, "bio") }))],
  ["GET", /^\/faults$/, (d) => d.faults()],
  ["POST", /^\/faults$/, (d, b) => ({ id: d.injectFault(faultSpec(b)) })],
  ["DELETE", /^\/faults$/, (d, _b, q) => d.clearFaults(q.get("method") ?? undefined)],
  ["POST", /^\/limits$/, (d, b) =>
      d.setLimits(
        defined({
          globalPerSecond: optNum(b, "globalPerSecond"),
          perGroupPerMinute: optNum(b, "perGroupPerMinute"),
          enabled: typeof b["enabled"] === "boolean" ? b["enabled"] : undefined
        })
      )],
  [
    "GET",
    /^\/calls$/,
    (d, _b, q) =>
      d.calls(defined({ method: q.get("method") ?? undefined, after: q.has("after") ? Number(q.get("after")) : undefined, since: q.has("since") ? Number(q.get("since")) : undefined }))
  ],
  ["GET", /^\/violations$/, (d) => d.violations()],
  ["GET", /^\/updates$/, (d) => ({ pending: d.pendingUpdates(), history: d.updateHistory() })],
  ["GET", /^\/webhook\/deliveries$/, (d) => d.webhookDeliveries()],
  ["POST", /^\/reset$/, (d, b) => d.reset({ demo: b["demo"] === true })],
  ["POST", /^\/seed-demo$/, (d) => d.seedDemo()]
]

export interface ControlResponse {
  readonly status: number
  readonly body: unknown
}

/** Routes `/_sandbox/<path>` to the driver; answers `{ok:true,result}` or `{ok:false,error}`. */
export const handleControl = (driver: SandboxDriver, method: string, path: string, query: URLSearchParams, body: Body): ControlResponse => {
  const candidates = routes.filter(([, pattern]) => pattern.test(path))
  if (candidates.length === 0) return { status: 404, body: { ok: false, error: `unknown endpoint ${path}` } }
  for (const [routeMethod, pattern, route] of candidates) {
    if (routeMethod !== method) continue
    const match = pattern.exec(path)
    if (match === null) continue
    try {
      return { status: 200, body: { ok: true, result: route(driver, body, query, match) ?? true } }
    } catch (error) {
      if (error instanceof SandboxError) return { status: 400, body: { ok: false, error: error.message } }
      throw error
    }
  }
  return { status: 405, body: { ok: false, error: `${method} not allowed on ${path}` } }
}
