import { AuditRepo, SettingsRepo } from "@nezuko/db"
import { AuditEntry, type ChatId, type SettingsValues, type UserId } from "@nezuko/domain"
import { callbackData } from "@nezuko/domain"
import { Effect, Option } from "effect"
import type { InlineKeyboardButton } from "grammy/types"
import { GroupDirectory } from "./GroupDirectory.js"
import { languages, text, type TextKey } from "./Texts.js"

type Key = keyof SettingsValues

/** The keys /settings can change in the chat (BOT-18 "In chat"), each with the values a press cycles through. */
export const chatKeys: ReadonlyArray<{ readonly key: Key; readonly wire: string; readonly label: TextKey; readonly values: ReadonlyArray<SettingsValues[Key]> }> = [
  { key: "verifyOnJoin", wire: "verify_on_join", label: "settings.key.verify_on_join", values: [true, false] },
  { key: "enforcementMode", wire: "enforcement_mode", label: "settings.key.enforcement_mode", values: ["mute", "delete_only"] },
  { key: "deleteUnverifiedMessages", wire: "delete_unverified_messages", label: "settings.key.delete_unverified_messages", values: [true, false] },
  { key: "timeoutAction", wire: "timeout_action", label: "settings.key.timeout_action", values: ["mute", "kick", "ban"] },
  { key: "timeoutMinutes", wire: "timeout_minutes", label: "settings.key.timeout_minutes", values: [5, 10, 30, 60, 1440] },
  { key: "channelIdentityPolicy", wire: "channel_identity_policy", label: "settings.key.channel_identity_policy", values: ["block", "allow"] },
  { key: "trustAdminAdded", wire: "trust_admin_added", label: "settings.key.trust_admin_added", values: [true, false] },
  { key: "onLeave", wire: "on_leave", label: "settings.key.on_leave", values: ["restrict", "lazy"] },
  { key: "joinGate", wire: "join_gate", label: "settings.key.join_gate", values: [false, true] },
  { key: "deleteServiceMessages", wire: "delete_service_messages", label: "settings.key.delete_service_messages", values: [false, true] },
  { key: "dryRun", wire: "dry_run", label: "settings.key.dry_run", values: [false, true] },
  { key: "language", wire: "language", label: "settings.key.language", values: languages }
]

// Enum values (mute, kick, …) are shown as their settings names, as in SPEC and the panel.
const show = (value: unknown, language: string) =>
  value === true ? text("settings.value.on", {}, { language }) : value === false ? text("settings.value.off", {}, { language }) : String(value)

/** The /settings message and its cycling buttons (BOT-18). Every change is audited and reaches all replicas via `cfg:`. */
export class ChatSettings extends Effect.Service<ChatSettings>()("@nezuko/core/ChatSettings", {
  effect: Effect.gen(function* () {
    const settings = yield* SettingsRepo
    const audit = yield* AuditRepo
    const directory = yield* GroupDirectory

    const current = (groupId: ChatId) =>
      Effect.flatMap(settings.find(groupId), Option.match({
        onNone: () => settings.ensure(groupId),
        onSome: Effect.succeed
      }))

    const render = (values: SettingsValues) => {
      const language = values.language
      // Button texts are plain text, not HTML: nothing in them is escaped.
      const keyboard: Array<Array<InlineKeyboardButton>> = chatKeys.map((k) => [{
        text: text("settings.button", { label: text(k.label, {}, { language }), value: show(values[k.key], language) }, { language, markup: ["label", "value"] }),
        callback_data: callbackData.settings(k.wire)
      }])
      keyboard.push([{ text: text("settings.close", {}, { language }), callback_data: callbackData.settingsClose }])
      return { text: text("settings.title", {}, { language }), keyboard }
    }

    const view = Effect.fn("ChatSettings.view")(function* (groupId: ChatId) {
      return render(yield* current(groupId))
    })

    /** Moves one key to its next value; None for a key that cannot be changed in the chat. */
    const cycle = Effect.fn("ChatSettings.cycle")(function* (groupId: ChatId, wire: string, actor: UserId) {
      const spec = chatKeys.find((k) => k.wire === wire)
      if (spec === undefined) return Option.none()
      const stored = yield* current(groupId)
      const { groupId: _g, updatedAt: _u, updatedByAdmin: _a, updatedByTg: _t, ...values } = stored
      const index = spec.values.findIndex((v) => v === values[spec.key])
      const next = spec.values[(index + 1) % spec.values.length]
      const changed = { ...values, [spec.key]: next } as SettingsValues
      yield* settings.update(groupId, changed, { tg: actor })
      yield* audit.record(new AuditEntry({
        actorType: "telegram_user", actorAdminId: null, actorTgId: actor, action: "bot.settings", resourceType: "group",
        resourceId: String(groupId), outcome: "success", oldValue: { [spec.wire]: values[spec.key] }, newValue: { [spec.wire]: next },
        ip: null, clientUa: null, requestId: null
      }))
      yield* directory.invalidate(groupId)
      return Option.some(render(changed))
    })

    return { view, cycle } as const
  })
}) {}
