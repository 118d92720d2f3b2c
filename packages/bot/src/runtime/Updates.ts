import { Either, Option, Schema } from "effect"
import type { Update } from "grammy/types"

/** BOT-1: exactly these, passed to getUpdates and setWebhook alike. Edited messages are deliberately absent. */
export const AllowedUpdates = ["message", "callback_query", "chat_member", "my_chat_member", "chat_join_request"] as const
export type AllowedUpdate = (typeof AllowedUpdates)[number]

const Id = Schema.Number.pipe(Schema.int())
const Chat = Schema.Struct({ id: Id, type: Schema.String })
const User = Schema.Struct({ id: Id })
const MemberChange = Schema.Struct({
  chat: Chat,
  from: User,
  date: Schema.Number,
  old_chat_member: Schema.Struct({ status: Schema.String, user: User }),
  new_chat_member: Schema.Struct({ status: Schema.String, user: User })
})

// The fields the runtime and every feature may rely on; anything else is read by the feature that needs it.
// Structs ignore extra properties, so new Bot API fields never make an update "malformed".
const shapes = {
  message: Schema.Struct({ message_id: Id, date: Schema.Number, chat: Chat, from: Schema.optional(User), sender_chat: Schema.optional(Chat) }),
  callback_query: Schema.Struct({
    id: Schema.String,
    from: User,
    message: Schema.optional(Schema.Struct({ message_id: Id, chat: Chat }))
  }),
  chat_member: MemberChange,
  my_chat_member: MemberChange,
  chat_join_request: Schema.Struct({ chat: Chat, from: User, date: Schema.Number, user_chat_id: Id })
} satisfies Record<AllowedUpdate, Schema.Schema.AnyNoContext>

const decoders = {
  message: Schema.decodeUnknownEither(shapes.message),
  callback_query: Schema.decodeUnknownEither(shapes.callback_query),
  chat_member: Schema.decodeUnknownEither(shapes.chat_member),
  my_chat_member: Schema.decodeUnknownEither(shapes.my_chat_member),
  chat_join_request: Schema.decodeUnknownEither(shapes.chat_join_request)
}

/** What the runtime knows about one incoming update before any feature sees it. */
export type UpdateInfo =
  | {
    readonly _tag: "Valid"
    readonly updateId: number
    readonly type: AllowedUpdate
    readonly chatId: number | undefined
    readonly userId: number | undefined
    readonly update: Update
  }
  /** A real update of a type we did not ask for (a webhook registered by someone else): acknowledged, not handled. */
  | { readonly _tag: "NotRequested"; readonly updateId: number; readonly type: string }
  /** No update_id, no known type, or a required field missing: logged and acknowledged, never handled. */
  | { readonly _tag: "Malformed"; readonly updateId: number | undefined; readonly type: string; readonly reason: string }

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value)
const isAllowed = (key: string): key is AllowedUpdate => (AllowedUpdates as ReadonlyArray<string>).includes(key)

const subjects = (type: AllowedUpdate, payload: unknown): Either.Either<{ chatId: number | undefined; userId: number | undefined }, string> => {
  const describe = <A>(result: Either.Either<A, { readonly message: string }>) => Either.mapLeft(result, (e) => e.message)
  switch (type) {
    case "message":
      // A post as a channel or an anonymous admin has sender_chat and a service `from`; the chat is the key.
      return Either.map(describe(decoders.message(payload)), (m) => ({ chatId: m.chat.id, userId: m.sender_chat?.id ?? m.from?.id }))
    case "callback_query":
      return Either.map(describe(decoders.callback_query(payload)), (q) => ({ chatId: q.message?.chat.id, userId: q.from.id }))
    case "chat_member":
    case "my_chat_member":
      // The member whose status changed, not the admin who changed it: a join must stay ordered with that user's messages.
      return Either.map(describe(decoders[type](payload)), (c) => ({ chatId: c.chat.id, userId: c.new_chat_member.user.id }))
    case "chat_join_request":
      return Either.map(describe(decoders.chat_join_request(payload)), (r) => ({ chatId: r.chat.id, userId: r.from.id }))
  }
}

// The polling path asks about one update object four times (the batch's MGET, its sequencing, its handling,
// the offset); the update never changes, so the decode is kept per object instead of repeated.
const inspected = new WeakMap<object, UpdateInfo>()

/** Classifies and minimally validates an update (SEC-18: nothing reaches a feature undecoded). */
export const inspectUpdate = (raw: unknown): UpdateInfo => {
  if (!isRecord(raw)) return { _tag: "Malformed", updateId: undefined, type: "unknown", reason: "not an object" }
  const known = inspected.get(raw)
  if (known !== undefined) return known
  const info = decodeUpdate(raw)
  inspected.set(raw, info)
  return info
}

const decodeUpdate = (raw: Record<string, unknown>): UpdateInfo => {
  const updateId = typeof raw.update_id === "number" && Number.isSafeInteger(raw.update_id) ? raw.update_id : undefined
  const type = Object.keys(raw).find((key) => key !== "update_id" && isRecord(raw[key]))
  if (updateId === undefined) return { _tag: "Malformed", updateId, type: type ?? "unknown", reason: "no integer update_id" }
  if (type === undefined) return { _tag: "Malformed", updateId, type: "unknown", reason: "no update payload" }
  if (!isAllowed(type)) return { _tag: "NotRequested", updateId, type }
  return Either.match(subjects(type, raw[type]), {
    onLeft: (reason) => ({ _tag: "Malformed", updateId, type, reason }),
    // The shape was checked above; grammY's Update type is what Telegram documents for it.
    onRight: ({ chatId, userId }) => ({ _tag: "Valid", updateId, type, chatId, userId, update: raw as unknown as Update })
  })
}

/**
 * The sequencing key (BOT-3, OPS-9): updates with the same key are handled one after another in arrival
 * order, like grammY runner's `sequentialize`; different keys run concurrently.
 */
export const sequenceKey = (info: UpdateInfo): Option.Option<string> =>
  info._tag === "Valid" && (info.chatId !== undefined || info.userId !== undefined)
    ? Option.some(`${info.chatId ?? "-"}:${info.userId ?? "-"}`)
    : Option.none()
