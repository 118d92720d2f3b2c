import type { SandboxDriver } from "@nezuko/telegram-sandbox"
import type { ButtonView, CallRow, ChatMessage, ChatRow, Person } from "./types.js"

// The panel has no direct dependency on grammY's types; the driver's signatures carry them.
type ChatMember = ReturnType<SandboxDriver["member"]>
type Message = ReturnType<SandboxDriver["messages"]>[number]["message"]

// Reads the sandbox's Telegram state through its driver and shapes it for the page: nothing here is invented.

export const peopleOf = (driver: SandboxDriver): ReadonlyArray<Person> =>
  driver.users().filter((u) => !u.is_bot).map((u) => ({ id: u.id, name: u.first_name }))

export const titleOf = (chat: { readonly id: number; readonly title?: string | undefined }) => chat.title ?? String(chat.id)

export const groupsOf = (driver: SandboxDriver) => driver.chats().filter((c) => c.type === "group" || c.type === "supergroup")

const memberOf = (driver: SandboxDriver, chatId: number, userId: number): ChatMember | undefined => {
  try {
    return driver.member(chatId, userId)
  } catch {
    return undefined
  }
}

const isIn = (member: ChatMember | undefined) =>
  member !== undefined && (["creator", "administrator", "member"].includes(member.status) || (member.status === "restricted" && member.is_member))

/** Payload of a bot deep link (`t.me/<bot>?start=…`); undefined for any other link. */
export const startPayload = (driver: SandboxDriver, url: string): string | undefined => {
  const parsed = URL.canParse(url) ? new URL(url) : undefined
  const bot = driver.botUser.username?.toLowerCase()
  if (parsed === undefined || bot === undefined || !["t.me", "telegram.me"].includes(parsed.hostname)) return undefined
  if (parsed.pathname.replace(/^\//, "").toLowerCase() !== bot) return undefined
  return parsed.searchParams.get("start") ?? undefined
}

const buttonView = (driver: SandboxDriver, userId: number, button: Record<string, unknown>): ButtonView => {
  const text = String(button.text ?? "")
  if (typeof button.callback_data === "string") return { kind: "press", text, data: button.callback_data }
  const url = typeof button.url === "string" ? button.url : ""
  const payload = startPayload(driver, url)
  if (payload !== undefined) return { kind: "start", text, url, payload }
  const target = driver.resolveLink(url)
  if (target === undefined) return { kind: "link", text, url }
  return { kind: "join", text, url, chat: titleOf(target.chat), member: isIn(memberOf(driver, target.chat.id, userId)), approval: target.createsJoinRequest }
}

const buttonsOf = (driver: SandboxDriver, userId: number, message: Message): ChatMessage["buttons"] =>
  (message.reply_markup?.inline_keyboard ?? []).map((row) => row.map((b) => buttonView(driver, userId, b as unknown as Record<string, unknown>)))

const textOf = (m: Message) =>
  m.text ??
    (m.new_chat_members ? `${m.new_chat_members.map((u) => u.first_name).join(", ")} joined` : m.left_chat_member ? `${m.left_chat_member.first_name} left` : "(no text)")

/** The last 40 messages of a chat as `userId` sees them; a private chat the user never opened is empty. */
export const messagesOf = (driver: SandboxDriver, chatId: number, userId: number): ReadonlyArray<ChatMessage> => {
  if (!driver.chats().some((c) => c.id === chatId)) return []
  return driver.messages(chatId).slice(-40).map(({ byBot, deleted, message }) => ({
    id: message.message_id,
    from: message.sender_chat?.type === "channel" ? message.sender_chat.title : message.from?.first_name ?? "?",
    byBot,
    deleted,
    text: textOf(message),
    at: message.date,
    buttons: buttonsOf(driver, userId, message)
  }))
}

/** The group and every channel of the sandbox, with the user's membership and pending join request. */
export const chatRowsOf = (driver: SandboxDriver, groupId: number | null, userId: number): ReadonlyArray<ChatRow> =>
  driver.chats()
    .filter((c) => c.id === groupId || c.type === "channel")
    .map((c) => {
      const member = memberOf(driver, c.id, userId)
      return {
        id: c.id,
        title: titleOf(c),
        kind: c.type === "channel" ? "channel" as const : "group" as const,
        username: "username" in c && c.username !== undefined ? c.username : null,
        status: member?.status ?? "left",
        member: isIn(member),
        requested: driver.chat(c.id).joinRequests.some((r) => r.userId === userId)
      }
    })

export const callsOf = (driver: SandboxDriver): ReadonlyArray<CallRow> =>
  driver.calls().slice(-60).reverse().map((c) => ({
    seq: c.seq,
    at: new Date(c.at).toISOString(),
    method: c.method,
    ok: c.ok,
    error: c.description ?? null,
    chat: c.params.chat_id === undefined ? null : String(c.params.chat_id),
    user: c.params.user_id === undefined ? null : String(c.params.user_id)
  }))
