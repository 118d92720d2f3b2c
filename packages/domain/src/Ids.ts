import { Schema } from "effect"

// Telegram ids are 64-bit integers but always fit in 52 bits (Bot API docs), so a JS number is exact.
const TelegramId = Schema.Int.pipe(
  Schema.between(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
)

/** Any Telegram chat: a group, supergroup, channel or private chat (negative for groups and channels). */
export const ChatId = TelegramId.pipe(Schema.brand("ChatId"))
export type ChatId = typeof ChatId.Type

/** A Telegram user. */
export const UserId = TelegramId.pipe(Schema.positive(), Schema.brand("UserId"))
export type UserId = typeof UserId.Type

/** A Telegram channel (a chat of type "channel"). */
export const ChannelId = TelegramId.pipe(Schema.negative(), Schema.brand("ChannelId"))
export type ChannelId = typeof ChannelId.Type

/** A panel admin user (UUID). */
export const AdminId = Schema.UUID.pipe(Schema.brand("AdminId"))
export type AdminId = typeof AdminId.Type

/** Parses ids that arrive as text (URL params, command arguments) with the same bounds. */
export const ChatIdFromString = Schema.compose(Schema.NumberFromString, ChatId)
export const UserIdFromString = Schema.compose(Schema.NumberFromString, UserId)
export const ChannelIdFromString = Schema.compose(Schema.NumberFromString, ChannelId)
