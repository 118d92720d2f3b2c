import { AppConfig } from "@nezuko/core"
import { NotFound } from "@nezuko/domain"
import { DEMO, type SandboxDriver } from "@nezuko/telegram-sandbox"
import { data, redirect } from "@remix-run/node"
import { Effect, Schema } from "effect"
import { audit, formData, RequestInfo } from "../../request.server.js"
import { sandboxDriver } from "../../services/sandbox.server.js"
import { callsOf, chatRowsOf, groupsOf, messagesOf, peopleOf, startPayload, titleOf } from "./world.server.js"

const driverOrNotFound = Effect.gen(function* () {
  const config = yield* AppConfig
  const driver = sandboxDriver()
  if (!config.sandboxMode || driver === undefined) return yield* new NotFound({ resource: "page", id: "sandbox (only when running on the Telegram sandbox)" })
  return driver
})

/** The group asked for, else the demo group, else the first group the sandbox has. */
const pickGroup = (driver: SandboxDriver, wanted: string | null) => {
  const groups = groupsOf(driver)
  return groups.find((g) => String(g.id) === wanted) ?? groups.find((g) => g.id === DEMO.group.id) ?? groups[0]
}

/** PANEL-16: the sandbox as one user sees it (group, channels, private chat with the bot), and every Bot API call the bot made. */
export const sandboxPage = Effect.gen(function* () {
  const driver = yield* driverOrNotFound
  const { url } = yield* RequestInfo
  const people = peopleOf(driver)
  const as = people.find((p) => String(p.id) === url.searchParams.get("as")) ?? people.find((p) => p.id === DEMO.users.bob.id) ?? people[0]
  if (as === undefined) return yield* new NotFound({ resource: "page", id: "sandbox (the sandbox has no users)" })
  const group = pickGroup(driver, url.searchParams.get("group"))
  const chats = chatRowsOf(driver, group?.id ?? null, as.id)
  return {
    as,
    people,
    bot: { name: driver.botUser.first_name, username: driver.botUser.username ?? null },
    groups: groupsOf(driver).map((g) => ({ id: g.id, title: titleOf(g) })),
    group: group === undefined ? null : { id: group.id, title: titleOf(group), messages: messagesOf(driver, group.id, as.id) },
    restricted: chats.find((c) => c.id === group?.id)?.status === "restricted",
    chats,
    // A user's private chat with the bot has the user's id (Telegram's rule, kept by the sandbox).
    privateMessages: messagesOf(driver, as.id, as.id),
    calls: callsOf(driver)
  }
})

const As = { as: Schema.NumberFromString, group: Schema.optional(Schema.NumberFromString) }
const Intent = Schema.Union(
  Schema.Struct({ ...As, intent: Schema.Literal("send"), chat: Schema.optional(Schema.NumberFromString), text: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(1000)) }),
  Schema.Struct({ ...As, intent: Schema.Literal("join", "leave", "request"), chat: Schema.NumberFromString }),
  Schema.Struct({ ...As, intent: Schema.Literal("press"), chat: Schema.optional(Schema.NumberFromString), message: Schema.NumberFromString, data: Schema.String }),
  Schema.Struct({ ...As, intent: Schema.Literal("follow"), url: Schema.String.pipe(Schema.maxLength(2048)) }),
  // Telegram's deep-link payloads: up to 64 of A-Z a-z 0-9 _ -.
  Schema.Struct({ ...As, intent: Schema.Literal("start"), payload: Schema.optional(Schema.String.pipe(Schema.pattern(/^[\w-]{0,64}$/))) }),
  Schema.Struct({ ...As, intent: Schema.Literal("reset") })
)
type Intent = typeof Intent.Type

/** Following a link as a client would: a bot deep link opens the private chat with /start, a chat link joins (or asks to). */
const follow = (driver: SandboxDriver, as: number, url: string): void => {
  const payload = startPayload(driver, url)
  if (payload !== undefined) return void driver.sendCommand(as, as, "start", payload)
  const target = driver.resolveLink(url)
  if (target === undefined) throw new Error("That link leads outside the sandbox.")
  const via = target.inviteLink === undefined ? {} : { inviteLink: target.inviteLink }
  if (target.createsJoinRequest) return void driver.requestToJoin(as, target.chat.id, via)
  driver.joinChat(as, target.chat.id, via)
}

const act = (driver: SandboxDriver, input: Intent, groupId: number | undefined): void => {
  switch (input.intent) {
    case "send": return void driver.sendMessage(input.as, input.chat ?? groupId ?? DEMO.group.id, input.text)
    case "join": return void driver.joinChat(input.as, input.chat)
    case "leave": return void driver.leaveChat(input.as, input.chat)
    case "request": return void driver.requestToJoin(input.as, input.chat)
    case "press": return void driver.pressButton(input.as, input.chat ?? groupId ?? DEMO.group.id, input.message, { data: input.data })
    case "follow": return follow(driver, input.as, input.url)
    case "start": return void driver.sendCommand(input.as, input.as, "start", input.payload ?? "")
    case "reset": return void driver.reset({ demo: true })
  }
}

/** Acts as a demo user in the sandbox; Nezuko reacts through its normal update intake. */
export const sandboxAction = Effect.gen(function* () {
  const driver = yield* driverOrNotFound
  const form = yield* formData
  const raw = Object.fromEntries([...form.entries()].filter(([k]) => k !== "_csrf").map(([k, v]) => [k, typeof v === "string" ? v : ""]))
  const decoded = yield* Schema.decodeUnknown(Intent)(raw, { onExcessProperty: "ignore" }).pipe(Effect.either)
  if (decoded._tag === "Left") return data({ error: "That action needs more input." }, { status: 400 })
  const input = decoded.right
  if (!peopleOf(driver).some((p) => p.id === input.as)) return data({ error: "Pick one of the demo users." }, { status: 400 })
  const groupId = pickGroup(driver, input.group === undefined ? null : String(input.group))?.id
  // The driver throws when a real client could not do the thing (a muted user writing, a banned user joining): show why.
  const result = yield* Effect.try(() => act(driver, input, groupId)).pipe(Effect.either)
  if (result._tag === "Left") return data({ error: result.left.error instanceof Error ? result.left.error.message : "The sandbox refused that." }, { status: 400 })
  yield* audit({ action: `sandbox.${input.intent}`, resourceType: "sandbox", resourceId: String(input.as), newValue: raw })
  return redirect(`/sandbox?as=${input.as}${input.group === undefined ? "" : `&group=${input.group}`}`, 303)
})
