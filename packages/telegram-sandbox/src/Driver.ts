import type { Chat, ChatFullInfo, ChatJoinRequest, ChatMember, Message, Update, User } from "@grammyjs/types"
// Submodule imports keep `pnpm sandbox` start-up well under its 2 s budget (the "effect" index alone costs ~0.4 s).
import * as Effect from "effect/Effect"
import type { CallLog, CallRecord } from "./CallLog.js"
import { seedDemo } from "./Demo.js"
import type { ActiveFault, FaultSpec, Faults } from "./Faults.js"
import type { Limits, Violation } from "./Limits.js"
import { chatFullInfo } from "./methods/Chats.js"
import type { Core } from "./methods/Core.js"
import type { LimitOptions } from "./Options.js"
import { changeMember } from "./Members.js"
import { type AdminRights, fullAdminRights } from "./Permissions.js"
import { fail, SandboxError } from "./SandboxError.js"
import * as Actions from "./UserActions.js"
import type { DeliveryRecord } from "./Webhook.js"
import type { CallbackAnswer } from "./World.js"
import * as Build from "./WorldBuilder.js"

export interface WaitOptions {
  /** Default 5000. */
  readonly timeoutMs?: number
  /** Only calls with a larger seq (see `mark()`); by default earlier calls match too. */
  readonly after?: number
}

export interface MessageView {
  readonly message: Message
  readonly deleted: boolean
  readonly deletedAt: number | undefined
  readonly byBot: boolean
}

export interface ChatView {
  readonly chat: ChatFullInfo
  readonly members: Array<ChatMember>
  readonly messages: Array<MessageView>
  readonly joinRequests: Array<{ userId: number; date: number; inviteLink: string | undefined }>
  readonly bannedSenderChats: Array<number>
  readonly inviteLinks: Array<string>
}

export interface CallbackView {
  readonly id: string
  readonly userId: number
  readonly chatId: number
  readonly messageId: number
  readonly data: string
  readonly answer: CallbackAnswer | undefined
}

/** A call's numeric parameter, whether it came as JSON or as a query-string text. */
export const paramNumber = (call: CallRecord, name: string): number | undefined => {
  const value = call.params[name]
  const n = typeof value === "number" ? value : typeof value === "string" && value !== "" ? Number(value) : Number.NaN
  return Number.isFinite(n) ? n : undefined
}

/**
 * Plays Telegram's users, groups and channels. Actions take effect (and queue updates) synchronously;
 * waits return Promises. `use` runs any of them as an Effect failing with SandboxError.
 */
export class SandboxDriver {
  constructor(
    private readonly core: Core,
    private readonly log: CallLog,
    private readonly limits: Limits,
    private readonly faultTable: Faults,
    private readonly onReset: () => void
  ) {}

  get token(): string {
    return this.core.opts.token
  }

  get botUser(): User {
    return this.core.world.botUser
  }

  // ── world set-up ─────────────────────────────────────────────────────────

  createUser(input: Build.UserInput): User {
    return Build.createUser(this.core.world, input)
  }

  createGroup(input: Build.ChatInput): Chat {
    return Build.createChat(this.core.world, "group", input)
  }

  createSupergroup(input: Build.ChatInput & { readonly linkedChannelId?: number }): Chat {
    const chat = Build.createChat(this.core.world, "supergroup", input)
    if (input.linkedChannelId !== undefined) Build.linkDiscussion(this.core.world, chat.id, input.linkedChannelId)
    return chat
  }

  createChannel(input: Build.ChatInput): Chat {
    return Build.createChat(this.core.world, "channel", input)
  }

  linkDiscussion(groupId: number, channelId: number): void {
    Build.linkDiscussion(this.core.world, groupId, channelId)
  }

  upgradeToSupergroup(groupId: number): Chat {
    return Build.upgradeToSupergroup(this.core.world, groupId)
  }

  /** Sets a member's status as an admin (`by`, default the creator) would, emitting chat_member / service messages. */
  setMember(chatId: number, userId: number, spec: Build.MemberSpec, options: { by?: number; silent?: boolean } = {}): ChatMember {
    const { world } = this.core
    const chat = Build.requireChat(world, chatId)
    const user = Build.requireUser(world, userId)
    const actor = options.by === undefined ? this.creatorOf(chatId) : Build.requireUser(world, options.by)
    const member = Build.toChatMember(world, user, spec)
    changeMember(world, chat, userId, member, { actor, silent: options.silent ?? false })
    return member
  }

  /** The bot's status in a chat (my_chat_member follows). */
  setBotMember(chatId: number, setup: Build.BotSetup | Build.MemberSpec, options: { by?: number; silent?: boolean } = {}): ChatMember {
    const spec = typeof setup === "object" && "status" in setup ? setup : Build.botSpec(setup) ?? { status: "left" as const }
    return this.setMember(chatId, this.core.opts.botId, spec, options)
  }

  /** Changes some of the bot's admin rights, keeping the others (full rights if it was not an admin). */
  setBotRights(chatId: number, rights: Partial<AdminRights>, options: { by?: number; silent?: boolean } = {}): ChatMember {
    const chat = Build.requireChat(this.core.world, chatId)
    const current = this.core.world.botMember(chat)
    const held: AdminRights = { ...fullAdminRights }
    if (current.status === "administrator") {
      for (const key of Object.keys(fullAdminRights) as Array<keyof AdminRights>) held[key] = current[key] ?? false
    }
    return this.setMember(chatId, this.core.opts.botId, { status: "administrator", rights: { ...held, ...rights } }, options)
  }

  /** The user presses Start in the bot's private chat. */
  startBot(userId: number): Message {
    return Actions.sendUserMessage(this.core.world, userId, userId, "/start")
  }

  blockBot(userId: number): void {
    const state = this.core.world.users.get(userId) ?? fail(`unknown user ${userId}`)
    state.blockedBot = true
    const chat = this.core.world.privateChat(userId)
    if (chat !== undefined) {
      this.core.world.updates.push("my_chat_member", {
        chat: this.core.world.chatObject(chat),
        from: state.user,
        date: this.core.world.nowSec(),
        old_chat_member: { status: "member", user: this.botUser },
        new_chat_member: { status: "kicked", user: this.botUser, until_date: 0 }
      })
    }
  }

  // ── acting as users ──────────────────────────────────────────────────────

  sendMessage(userId: number, chatId: number, text: string, options: Actions.SendOptions = {}): Message {
    return Actions.sendUserMessage(this.core.world, userId, chatId, text, options)
  }

  sendCommand(userId: number, chatId: number, command: string, args = "", options: Actions.SendOptions = {}): Message {
    const text = `/${command.replace(/^\//, "")}${args === "" ? "" : ` ${args}`}`
    return Actions.sendUserMessage(this.core.world, userId, chatId, text, options)
  }

  postAsChannel(userId: number, chatId: number, channelId: number, text: string, options: Actions.SendOptions = {}): Message {
    return Actions.postAsChannel(this.core.world, userId, chatId, channelId, text, options)
  }

  postAsAnonymousAdmin(userId: number, chatId: number, text: string, options: Actions.SendOptions = {}): Message {
    return Actions.postAsAnonymousAdmin(this.core.world, userId, chatId, text, options)
  }

  postToChannel(channelId: number, text: string): { post: Message; forward: Message | undefined } {
    return Actions.postToChannel(this.core.world, channelId, text)
  }

  joinChat(userId: number, chatId: number, options: Actions.JoinOptions = {}): ChatMember {
    return Actions.joinChat(this.core.world, userId, chatId, options)
  }

  leaveChat(userId: number, chatId: number): ChatMember {
    return Actions.leaveChat(this.core.world, userId, chatId)
  }

  requestToJoin(userId: number, chatId: number, options: { inviteLink?: string; bio?: string } = {}): ChatJoinRequest {
    return Actions.requestToJoin(this.core.world, userId, chatId, options)
  }

  pressButton(userId: number, chatId: number, messageId: number, selector: Actions.ButtonSelector = {}): string {
    return Actions.pressButton(this.core.world, userId, chatId, messageId, selector)
  }

  // ── reading state ────────────────────────────────────────────────────────

  member(chatId: number, userId: number): ChatMember {
    return this.core.world.member(Build.requireChat(this.core.world, chatId), userId)
  }

  chat(chatId: number): ChatView {
    const { world } = this.core
    const chat = world.chats.get(chatId) ?? fail(`unknown chat ${chatId}`)
    return {
      chat: chatFullInfo(world, chat),
      members: [...chat.members.keys()].map((userId) => world.member(chat, userId)),
      messages: this.messages(chatId),
      joinRequests: [...chat.joinRequests.values()].map((r) => ({ userId: r.userId, date: r.date, inviteLink: r.inviteLink?.invite_link })),
      bannedSenderChats: [...chat.bannedSenderChats],
      inviteLinks: [...chat.inviteLinks.keys()]
    }
  }

  chats(): Array<Chat> {
    return [...this.core.world.chats.values()].map((chat) => this.core.world.chatObject(chat))
  }

  users(): Array<User> {
    return [...this.core.world.users.values()].map((state) => state.user)
  }

  /** Messages of a chat in order, deleted ones included and flagged. */
  messages(chatId: number): Array<MessageView> {
    const chat = this.core.world.chats.get(chatId) ?? fail(`unknown chat ${chatId}`)
    return [...chat.messages.values()].map(({ message, deleted, deletedAt, byBot }) => ({ message, deleted, deletedAt, byBot }))
  }

  message(chatId: number, messageId: number): MessageView {
    return this.messages(chatId).find((m) => m.message.message_id === messageId) ?? fail(`message ${messageId} not found in ${chatId}`)
  }

  /**
   * The chat a t.me link opens (a public username or one of the chat's invite links), as a client following it
   * would find it; undefined for links to users or bots, revoked links and anything else.
   */
  resolveLink(url: string): { readonly chat: Chat; readonly createsJoinRequest: boolean; readonly inviteLink: string | undefined } | undefined {
    const { world } = this.core
    const parsed = URL.canParse(url) ? new URL(url) : undefined
    if (parsed === undefined || !["t.me", "telegram.me"].includes(parsed.hostname)) return undefined
    const path = parsed.pathname.replace(/^\//, "")
    if (path.startsWith("+") || path.startsWith("joinchat/")) {
      const canonical = `https://t.me/${path}`
      for (const chat of world.chats.values()) {
        const link = chat.inviteLinks.get(canonical)
        if (link !== undefined && !link.is_revoked) return { chat: world.chatObject(chat), createsJoinRequest: link.creates_join_request, inviteLink: canonical }
      }
      return undefined
    }
    const chat = /^[A-Za-z]\w{3,31}$/.test(path) ? world.findChatByUsername(path) : undefined
    return chat === undefined ? undefined : { chat: world.chatObject(chat), createsJoinRequest: false, inviteLink: undefined }
  }

  callback(id: string): CallbackView {
    const state = this.core.world.callbacks.get(id) ?? fail(`unknown callback query ${id}`)
    return { id: state.id, userId: state.userId, chatId: state.chatId, messageId: state.messageId, data: state.data, answer: state.answer }
  }

  calls(filter: { method?: string; after?: number; since?: number } = {}): Array<CallRecord> {
    return this.log.list(filter)
  }

  /** The seq of the latest call, to pass as `after` so later assertions see only newer calls. */
  mark(): number {
    return this.log.lastSeq
  }

  violations(): Array<Violation> {
    return [...this.limits.violations]
  }

  pendingUpdates(): ReadonlyArray<Update> {
    return this.core.updates.pending
  }

  updateHistory(): ReadonlyArray<Update> {
    return this.core.updates.history
  }

  webhookDeliveries(): ReadonlyArray<DeliveryRecord> {
    return this.core.webhook.deliveries
  }

  // ── faults and limits ────────────────────────────────────────────────────

  injectFault(spec: FaultSpec): number {
    return this.faultTable.add(spec).id
  }

  clearFaults(method?: string): void {
    this.faultTable.clear(method)
  }

  faults(): ReadonlyArray<ActiveFault> {
    return this.faultTable.list()
  }

  setLimits(limits: Partial<LimitOptions>): void {
    this.limits.config = { ...this.limits.config, ...limits }
  }

  /** Back to an empty world (or the demo world), with no calls, faults, updates or webhook. */
  reset(options: { demo?: boolean } = {}): void {
    this.onReset()
    if (options.demo === true) this.seedDemo()
  }

  seedDemo(): void {
    seedDemo(this)
  }

  // ── waiting ──────────────────────────────────────────────────────────────

  waitForCall(predicate: (call: CallRecord) => boolean, options: WaitOptions = {}): Promise<CallRecord> {
    const existing = this.log.list({ after: options.after }).find(predicate)
    if (existing !== undefined) return Promise.resolve(existing)
    const timeoutMs = options.timeoutMs ?? 5000
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe()
        reject(new SandboxError({ message: `no matching Bot API call within ${timeoutMs} ms` }))
      }, timeoutMs)
      const unsubscribe = this.log.subscribe((call) => {
        if (!predicate(call)) return
        clearTimeout(timer)
        unsubscribe()
        resolve(call)
      })
    })
  }

  /** A successful call of this method whose chat_id (and user_id, if given) match. */
  waitForMethod(method: string, target: { chatId?: number; userId?: number } = {}, options: WaitOptions = {}): Promise<CallRecord> {
    return this.waitForCall(
      (call) =>
        call.method === method &&
        call.ok &&
        (target.chatId === undefined || this.callChatId(call) === target.chatId) &&
        (target.userId === undefined || paramNumber(call, "user_id") === target.userId),
      options
    )
  }

  /** "The bot restricted user X in group G": a successful restrictChatMember. */
  waitForRestrict(chatId: number, userId: number, options: WaitOptions = {}): Promise<CallRecord> {
    return this.waitForMethod("restrictChatMember", { chatId, userId }, options)
  }

  waitForBan(chatId: number, userId: number, options: WaitOptions = {}): Promise<CallRecord> {
    return this.waitForMethod("banChatMember", { chatId, userId }, options)
  }

  waitForBotMessage(chatId: number, options: WaitOptions = {}): Promise<CallRecord> {
    return this.waitForMethod("sendMessage", { chatId }, options)
  }

  waitForDelete(chatId: number, messageId: number, options: WaitOptions = {}): Promise<CallRecord> {
    return this.waitForCall(
      (call) =>
        call.ok &&
        this.callChatId(call) === chatId &&
        ((call.method === "deleteMessage" && paramNumber(call, "message_id") === messageId) ||
          (call.method === "deleteMessages" && JSON.stringify(call.params["message_ids"] ?? "").includes(String(messageId)))),
      options
    )
  }

  async waitForAnswer(callbackId: string, options: WaitOptions = {}): Promise<CallbackAnswer> {
    await this.waitForCall((call) => call.method === "answerCallbackQuery" && call.ok && String(call.params["callback_query_id"]) === callbackId, options)
    return this.callback(callbackId).answer ?? fail("answered callback without an answer")
  }

  /** Resolves once the bot holds a long poll (getUpdates with a timeout and nothing queued). */
  waitForPolling(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.core.poll !== undefined && this.core.updates.pending.length === 0) return Promise.resolve()
    const timeoutMs = options.timeoutMs ?? 5000
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe()
        reject(new SandboxError({ message: `the bot did not poll within ${timeoutMs} ms` }))
      }, timeoutMs)
      const unsubscribe = this.core.updates.onPolling(() => {
        clearTimeout(timer)
        unsubscribe()
        resolve()
      })
    })
  }

  /** Re-checks the predicate every few milliseconds until it holds (for effects that make no Bot API call). */
  waitUntil(predicate: () => boolean, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<void> {
    if (predicate()) return Promise.resolve()
    const timeoutMs = options.timeoutMs ?? 5000
    const deadline = performance.now() + timeoutMs
    return new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        if (predicate()) {
          clearInterval(timer)
          resolve()
        } else if (performance.now() > deadline) {
          clearInterval(timer)
          reject(new SandboxError({ message: `condition not met within ${timeoutMs} ms` }))
        }
      }, options.intervalMs ?? 5)
    })
  }

  /** Runs driver code as an Effect; thrown SandboxErrors become typed failures. */
  use<A>(f: (driver: SandboxDriver) => A | Promise<A>): Effect.Effect<A, SandboxError> {
    return Effect.tryPromise({
      try: async () => f(this),
      catch: (error) => (error instanceof SandboxError ? error : new SandboxError({ message: String(error) }))
    })
  }

  callChatId(call: CallRecord): number | undefined {
    const raw = call.params["chat_id"]
    if (typeof raw === "string" && raw.startsWith("@")) return this.core.world.findChatByUsername(raw)?.id
    return paramNumber(call, "chat_id")
  }

  private creatorOf(chatId: number): User {
    const chat = Build.requireChat(this.core.world, chatId)
    for (const member of chat.members.values()) if (member.status === "creator") return member.user
    return this.botUser
  }
}
