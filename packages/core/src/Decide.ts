import type { ChannelId, SettingsValues } from "@nezuko/domain"
import type { LinkedChannel } from "./GroupDirectory.js"
import type { ChannelCheck } from "./Membership.js"

export type MembershipDecision =
  | { readonly _tag: "Pass" }
  | { readonly _tag: "Restrict"; readonly missing: ReadonlyArray<LinkedChannel> }
  | { readonly _tag: "Deferred"; readonly unknown: ReadonlyArray<ChannelId> }

/**
 * BOT-24: all members → pass; any non-member → restrict with exactly those channels; only unknowns →
 * `on_check_error` (allow → deferred, restrict → unknown counts as missing).
 */
export const decide = (channels: ReadonlyArray<LinkedChannel>, checks: ReadonlyArray<ChannelCheck>, settings: SettingsValues): MembershipDecision => {
  const byId = new Map(checks.map((c) => [c.channelId, c.result]))
  const missing = channels.filter((c) => byId.get(c.chatId) === "not_member")
  if (missing.length > 0) return { _tag: "Restrict", missing }
  const unknown = channels.filter((c) => byId.get(c.chatId) === "unknown")
  if (unknown.length === 0) return { _tag: "Pass" }
  return settings.onCheckError === "restrict"
    ? { _tag: "Restrict", missing: unknown }
    : { _tag: "Deferred", unknown: unknown.map((c) => c.chatId) }
}

/** Channels the bot can still read; an unverifiable one is skipped (fail open, BOT-24/BOT-43). */
export const verifiable = (channels: ReadonlyArray<LinkedChannel>) => channels.filter((c) => c.health !== "unverifiable")
