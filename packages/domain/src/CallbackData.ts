import { Either, Schema } from "effect"
import { ChatIdFromString, UserIdFromString } from "./Ids.js"

// BOT-34: every inline button's data, at most 64 bytes. One union decodes them all, so a handler never parses
// strings by hand and unknown data is a single, explicit case.
export const VerifyUser = Schema.TaggedStruct("VerifyUser", { userId: UserIdFromString })
export const VerifyPresser = Schema.TaggedStruct("VerifyPresser", {})
export const JoinRequestVerify = Schema.TaggedStruct("JoinRequestVerify", { groupId: ChatIdFromString })
export const SettingsKey = Schema.TaggedStruct("SettingsKey", { key: Schema.String.pipe(Schema.pattern(/^[a-z_]{1,40}$/)) })
export const SettingsClose = Schema.TaggedStruct("SettingsClose", {})
export const AnonymousConfirm = Schema.TaggedStruct("AnonymousConfirm", { token: Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9]{8}$/)) })
export const MenuPage = Schema.TaggedStruct("MenuPage", { page: Schema.Literal("home", "setup", "how", "cmds") })
export const LogRelease = Schema.TaggedStruct("LogRelease", { groupId: ChatIdFromString, userId: UserIdFromString })

export const CallbackData = Schema.Union(VerifyUser, VerifyPresser, JoinRequestVerify, SettingsKey, SettingsClose, AnonymousConfirm, MenuPage, LogRelease)
export type CallbackData = typeof CallbackData.Type

const shapes: ReadonlyArray<readonly [RegExp, (m: RegExpMatchArray) => unknown]> = [
  [/^nz:v:(\d+)$/, (m) => ({ _tag: "VerifyUser", userId: m[1] })],
  [/^nz:vp$/, () => ({ _tag: "VerifyPresser" })],
  [/^nz:j:(-?\d+)$/, (m) => ({ _tag: "JoinRequestVerify", groupId: m[1] })],
  [/^nz:s:close$/, () => ({ _tag: "SettingsClose" })],
  [/^nz:s:([a-z_]+)$/, (m) => ({ _tag: "SettingsKey", key: m[1] })],
  [/^nz:a:([A-Za-z0-9]+)$/, (m) => ({ _tag: "AnonymousConfirm", token: m[1] })],
  [/^nz:m:([a-z]+)$/, (m) => ({ _tag: "MenuPage", page: m[1] })],
  [/^nz:r:(-?\d+):(\d+)$/, (m) => ({ _tag: "LogRelease", groupId: m[1], userId: m[2] })]
]

const decodeEncoded = Schema.decodeUnknownEither(CallbackData)

/** Parses `callback_data`; anything unknown or malformed is None ("This button has expired"). */
export const parseCallbackData = (data: string | undefined): CallbackData | undefined => {
  if (data === undefined || Buffer.byteLength(data) > 64) return undefined
  for (const [pattern, build] of shapes) {
    const match = data.match(pattern)
    if (match) return Either.getOrUndefined(decodeEncoded(build(match)))
  }
  return undefined
}

/** The wire form of each button (BOT-34). */
export const callbackData = {
  verify: (userId: number) => `nz:v:${userId}`,
  verifyPresser: "nz:vp",
  joinRequest: (groupId: number) => `nz:j:${groupId}`,
  settings: (key: string) => `nz:s:${key}`,
  settingsClose: "nz:s:close",
  anonymous: (token: string) => `nz:a:${token}`,
  menu: (page: "home" | "setup" | "how" | "cmds") => `nz:m:${page}`,
  logRelease: (groupId: number, userId: number) => `nz:r:${groupId}:${userId}`
} as const
