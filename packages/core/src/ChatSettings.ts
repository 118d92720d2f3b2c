import { AuditRepo, SettingsRepo } from "@nezuko/db"
import { AuditEntry, type ChatId, type SettingsValues, type UserId } from "@nezuko/domain"
import { callbackData } from "@nezuko/domain"
import { Effect, Either, Option } from "effect"
import type { InlineKeyboardButton } from "grammy/types"
import { GroupDirectory } from "./GroupDirectory.js"
import { TelegramApi } from "./TelegramApi.js"
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

/** BOT-46: the /settings button that creates the gate's invite link, shown while `join_gate` is on. */
export const gateLinkWire = "gate_link"
/** The link's name as admins see it in the group's invite links. */
const gateLinkName = "Nezuko gate"

// Enum values (mute, kick, …) are shown as their settings names, as in SPEC and the panel.
const show = (value: unknown, language: string) =>
  value === true ? text("settings.value.on", {}, { language }) : value === false ? text("settings.value.off", {}, { language }) : String(value)

/** The /settings message and its cycling buttons (BOT-18). Every change is audited and reaches all replicas via `cfg:`. */
export class ChatSettings extends Effect.Service<ChatSettings>()("@nezuko/core/ChatSettings", {
  effect: Effect.gen(function* () {
    const settings = yield* SettingsRepo
    const audit = yield* AuditRepo
    const directory = yield* GroupDirectory
    const telegram = yield* TelegramApi

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
      if (values.joinGate) keyboard.push([{ text: text("settings.gate_link", {}, { language }), callback_data: callbackData.settings(gateLinkWire) }])
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
      yield* audit.record(AuditEntry.byTelegramUser(actor, "bot.settings", groupId, { [spec.wire]: values[spec.key] }, { [spec.wire]: next }))
      yield* directory.invalidate(groupId)
      return Option.some(render(changed))
    })

    /**
     * BOT-46: `createChatInviteLink(creates_join_request)` for the group, audited; the settings view with the
     * link under its title, or the alert to answer when Telegram refused. With the gate off meanwhile (a stale
     * button) nothing is created and the view comes back as it is now.
     */
    const createGateLink = Effect.fn("ChatSettings.createGateLink")(function* (groupId: ChatId, actor: UserId) {
      const values = yield* current(groupId)
      const view = render(values)
      if (!values.joinGate) return Either.right(view)
      const created = yield* Effect.either(telegram.createChatInviteLink(
        { chat_id: groupId, creates_join_request: true, name: gateLinkName },
        { priority: 2, kind: "other" }
      ))
      if (Either.isLeft(created)) {
        yield* Effect.logWarning(`creating the join-request link failed: ${created.left._tag}`)
        const key = created.left._tag === "TelegramMissingRights" ? "settings.gate_link.no_rights" : "settings.gate_link.failed"
        return Either.left(text(key, {}, { language: values.language }))
      }
      const link = created.right.invite_link
      yield* audit.record(AuditEntry.byTelegramUser(actor, "bot.gate_link_created", groupId, null, { invite_link: link, name: gateLinkName }))
      return Either.right({ ...view, text: `${view.text}\n\n${text("settings.gate_link.created", { link }, { language: values.language })}` })
    })

    return { view, cycle, createGateLink } as const
  })
}) {}
