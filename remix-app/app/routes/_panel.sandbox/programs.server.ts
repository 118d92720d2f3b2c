import { AppConfig } from "@nezuko/core"
import { NotFound } from "@nezuko/domain"
import { DEMO, type SandboxDriver } from "@nezuko/telegram-sandbox"
import { data, redirect } from "@remix-run/node"
import { Effect, Schema } from "effect"
import { audit, formData, RequestInfo } from "../../request.server.js"
import { sandboxDriver } from "../../services/sandbox.server.js"

const driverOrNotFound = Effect.gen(function* () {
  const config = yield* AppConfig
  const driver = sandboxDriver()
  if (!config.sandboxMode || driver === undefined) return yield* new NotFound({ resource: "page", id: "sandbox (only when running on the Telegram sandbox)" })
  return driver
})

const people = Object.values(DEMO.users)
const chats = [DEMO.group, DEMO.channel, DEMO.news]

interface Button { readonly text: string; readonly data: string | null; readonly url: string | null }
const buttonsOf = (markup: unknown): ReadonlyArray<ReadonlyArray<Button>> => {
  if (typeof markup !== "object" || markup === null || !("inline_keyboard" in markup) || !Array.isArray(markup.inline_keyboard)) return []
  return (markup.inline_keyboard as ReadonlyArray<ReadonlyArray<Record<string, unknown>>>).map((row) =>
    row.map((b) => ({ text: String(b.text ?? ""), data: typeof b.callback_data === "string" ? b.callback_data : null, url: typeof b.url === "string" ? b.url : null })))
}

const status = (driver: SandboxDriver, chatId: number, userId: number) => {
  try {
    return driver.member(chatId, userId).status
  } catch {
    return "left"
  }
}

/** PANEL-16: the demo world as one user sees it, and every Bot API call the bot made. */
export const sandboxPage = Effect.gen(function* () {
  const driver = yield* driverOrNotFound
  const { url } = yield* RequestInfo
  const as = people.find((p) => String(p.id) === url.searchParams.get("as")) ?? DEMO.users.bob
  const messages = driver.messages(DEMO.group.id).slice(-40).map((m) => ({
    id: m.message.message_id, from: m.message.from?.first_name ?? m.message.sender_chat?.title ?? "?", byBot: m.byBot, deleted: m.deleted,
    text: m.message.text ?? (m.message.new_chat_members ? `${m.message.new_chat_members.map((u) => u.first_name).join(", ")} joined` : m.message.left_chat_member ? `${m.message.left_chat_member.first_name} left` : "(no text)"),
    at: m.message.date, buttons: buttonsOf(m.message.reply_markup)
  }))
  const calls = driver.calls().slice(-60).reverse().map((c) => ({
    seq: c.seq, at: new Date(c.at).toISOString(), method: c.method, ok: c.ok, error: c.description ?? null,
    chat: c.params.chat_id === undefined ? null : String(c.params.chat_id), user: c.params.user_id === undefined ? null : String(c.params.user_id)
  }))
  return {
    as: { id: as.id, name: as.firstName },
    people: people.map((p) => ({ id: p.id, name: p.firstName })),
    chats: chats.map((c) => ({ id: c.id, title: c.title, status: status(driver, c.id, as.id) })),
    restricted: status(driver, DEMO.group.id, as.id) === "restricted",
    messages,
    calls
  }
})

const Intent = Schema.Union(
  Schema.Struct({ intent: Schema.Literal("send"), as: Schema.NumberFromString, text: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(1000)) }),
  Schema.Struct({ intent: Schema.Literal("join", "leave", "request"), as: Schema.NumberFromString, chat: Schema.NumberFromString }),
  Schema.Struct({ intent: Schema.Literal("press"), as: Schema.NumberFromString, message: Schema.NumberFromString, data: Schema.String }),
  Schema.Struct({ intent: Schema.Literal("reset"), as: Schema.NumberFromString })
)

/** Acts as a demo user in the sandbox; Nezuko reacts through its normal update intake. */
export const sandboxAction = Effect.gen(function* () {
  const driver = yield* driverOrNotFound
  const form = yield* formData
  const raw = Object.fromEntries([...form.entries()].filter(([k]) => k !== "_csrf").map(([k, v]) => [k, typeof v === "string" ? v : ""]))
  const decoded = yield* Schema.decodeUnknown(Intent)(raw, { onExcessProperty: "ignore" }).pipe(Effect.either)
  if (decoded._tag === "Left") return data({ error: "That action needs more input." }, { status: 400 })
  const input = decoded.right
  if (!people.some((p) => p.id === input.as)) return data({ error: "Pick one of the demo users." }, { status: 400 })
  const result = yield* Effect.try(() => {
    switch (input.intent) {
      case "send": return void driver.sendMessage(input.as, DEMO.group.id, input.text)
      case "join": return void driver.joinChat(input.as, input.chat)
      case "leave": return void driver.leaveChat(input.as, input.chat)
      case "request": return void driver.requestToJoin(input.as, input.chat)
      case "press": return void driver.pressButton(input.as, DEMO.group.id, input.message, { data: input.data })
      case "reset": return void driver.reset({ demo: true })
    }
  }).pipe(Effect.either)
  if (result._tag === "Left") return data({ error: result.left.error instanceof Error ? result.left.error.message : "The sandbox refused that." }, { status: 400 })
  yield* audit({ action: `sandbox.${input.intent}`, resourceType: "sandbox", resourceId: String(input.as), newValue: raw })
  return redirect(`/sandbox?as=${input.as}`, 303)
})
