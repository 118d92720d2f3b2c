import { ChatId, type SettingsValues, UserId } from "@nezuko/domain"
import { Option, Schema } from "effect"

/** BOT-38's durable job (OPS-16): one per pending record, due at its `deadline_at`. */
export const timeoutKind = "timeout"
export const timeoutDedupeKey = (restrictionId: number) => `timeout:${restrictionId}`

export const TimeoutPayload = Schema.Struct({
  restriction_id: Schema.Number.pipe(Schema.int()),
  group_id: ChatId,
  user_id: UserId
})
export type TimeoutPayload = typeof TimeoutPayload.Type

/** A kick is a ban that ends on its own after this long, lifted at once with `only_if_banned`. */
export const kickBanSeconds = 60
/** BOT-38: escalation counts `kicked` records of the last 30 days. */
export const escalationWindowDays = 30

export type TimeoutPenalty =
  | { readonly action: "kick"; readonly untilDate: number }
  | { readonly action: "ban"; readonly untilDate: number; readonly escalated: boolean }

/**
 * What BOT-38 does to a user who missed the deadline, from the settings and their `kicked` records in this
 * group in the last 30 days: `mute` does nothing (stays muted); `kick` bans for 60 s (then unbans), or bans
 * once `escalate_after` > 0 kicks are reached; `ban` lasts `ban_days` (0 = until_date 0, forever).
 */
export const timeoutPenalty = (
  settings: Pick<SettingsValues, "timeoutAction" | "escalateAfter" | "banDays">,
  recentKicks: number,
  nowSeconds: number
): Option.Option<TimeoutPenalty> => {
  const banUntil = settings.banDays > 0 ? nowSeconds + settings.banDays * 86_400 : 0
  switch (settings.timeoutAction) {
    case "mute":
      return Option.none()
    case "ban":
      return Option.some({ action: "ban", untilDate: banUntil, escalated: false })
    case "kick":
      return settings.escalateAfter > 0 && recentKicks >= settings.escalateAfter
        ? Option.some({ action: "ban", untilDate: banUntil, escalated: true })
        : Option.some({ action: "kick", untilDate: nowSeconds + kickBanSeconds })
  }
}
