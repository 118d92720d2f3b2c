import { Schema } from "effect"
import { ChatId } from "./Ids.js"

const Range = (min: number, max: number) => Schema.Int.pipe(Schema.between(min, max))

/** Custom texts accept only these placeholders (BOT-53). */
export const TextPlaceholders = ["mention", "first_name", "group", "channels"] as const
const CustomText = (max: number) =>
  Schema.String.pipe(
    Schema.maxLength(max),
    Schema.filter((text) => {
      const unknown = [...text.matchAll(/\{([^}]*)\}/g)]
        .map((m) => m[1] ?? "")
        .filter((name) => !(TextPlaceholders as ReadonlyArray<string>).includes(name))
      return unknown.length === 0 || `unknown placeholder {${unknown[0]}}; allowed: ${TextPlaceholders.map((p) => `{${p}}`).join(", ")}`
    })
  )

/** Every BOT-18 key with its range; the same schema validates the bot's /settings, the panel form and the API. */
export const SettingsValues = Schema.Struct({
  verifyOnJoin: Schema.Boolean,
  enforcementMode: Schema.Literal("mute", "delete_only"),
  deleteUnverifiedMessages: Schema.Boolean,
  muteHours: Range(1, 8784),
  timeoutAction: Schema.Literal("mute", "kick", "ban"),
  timeoutMinutes: Range(1, 1440),
  escalateAfter: Range(0, 10),
  banDays: Range(0, 365),
  promptTtlSeconds: Range(30, 3600),
  adminReplyTtlSeconds: Range(0, 3600),
  channelIdentityPolicy: Schema.Literal("block", "allow"),
  banChannelIdentities: Schema.Boolean,
  trustAdminAdded: Schema.Boolean,
  onLeave: Schema.Literal("restrict", "lazy"),
  onCheckError: Schema.Literal("allow", "restrict"),
  joinGate: Schema.Boolean,
  joinRequestTimeoutMinutes: Range(1, 1440),
  batchMode: Schema.Literal("warm", "restrict"),
  deleteServiceMessages: Schema.Boolean,
  dryRun: Schema.Boolean,
  language: Schema.String.pipe(Schema.pattern(/^[a-z]{2}$/)),
  promptText: Schema.NullOr(CustomText(1024)),
  welcomeText: Schema.NullOr(CustomText(1024)),
  buttonText: Schema.NullOr(Schema.String.pipe(Schema.maxLength(32))),
  adminOverrideHours: Range(0, 720),
  logChatId: Schema.NullOr(ChatId)
})
export type SettingsValues = typeof SettingsValues.Type

/** The built-in defaults of BOT-18; DATA-19 `defaults.group_settings` may override them at run time. */
export const defaultSettings: SettingsValues = {
  verifyOnJoin: true,
  enforcementMode: "mute",
  deleteUnverifiedMessages: true,
  muteHours: 24,
  timeoutAction: "mute",
  timeoutMinutes: 10,
  escalateAfter: 3,
  banDays: 0,
  promptTtlSeconds: 300,
  adminReplyTtlSeconds: 60,
  channelIdentityPolicy: "block",
  banChannelIdentities: false,
  trustAdminAdded: true,
  onLeave: "restrict",
  onCheckError: "allow",
  joinGate: false,
  joinRequestTimeoutMinutes: 10,
  batchMode: "warm",
  deleteServiceMessages: false,
  dryRun: false,
  language: "en",
  promptText: null,
  welcomeText: null,
  buttonText: null,
  adminOverrideHours: 24,
  logChatId: null
}

/** A group's stored settings (DATA-6). */
export class GroupSettings extends Schema.Class<GroupSettings>("GroupSettings")({
  groupId: ChatId,
  ...SettingsValues.fields,
  updatedByTg: Schema.NullOr(Schema.Number),
  updatedByAdmin: Schema.NullOr(Schema.UUID),
  updatedAt: Schema.DateFromSelf
}) {}
