import type { ChatAdministratorRights, ChatMemberRestricted, ChatPermissions } from "@grammyjs/types"

export type PermissionKey = Exclude<keyof ChatMemberRestricted, "status" | "user" | "tag" | "is_member" | "until_date">
export type FullPermissions = Record<PermissionKey, boolean>

export const sendKeys = [
  "can_send_messages",
  "can_send_audios",
  "can_send_documents",
  "can_send_photos",
  "can_send_videos",
  "can_send_video_notes",
  "can_send_voice_notes",
  "can_send_polls",
  "can_send_other_messages",
  "can_add_web_page_previews"
] as const satisfies ReadonlyArray<PermissionKey>

export const permissionKeys = [
  ...sendKeys,
  "can_react_to_messages",
  "can_change_info",
  "can_invite_users",
  "can_edit_tag",
  "can_pin_messages",
  "can_manage_topics"
] as const satisfies ReadonlyArray<PermissionKey>

const mediaKeys = [
  "can_send_audios",
  "can_send_documents",
  "can_send_photos",
  "can_send_videos",
  "can_send_video_notes",
  "can_send_voice_notes"
] as const

/** Flags added to the Bot API after most clients were written; an omitted one is not a restriction. */
const lenientKeys: ReadonlySet<PermissionKey> = new Set(["can_react_to_messages", "can_edit_tag"])

/**
 * Reads ChatPermissions the way Telegram does: omitted flags are false, `can_manage_topics` defaults to
 * `can_pin_messages`, and without `use_independent_chat_permissions` the broad flags imply the narrow ones.
 */
export const resolvePermissions = (input: ChatPermissions, independent: boolean): FullPermissions => {
  const out: FullPermissions = { ...defaultGroupPermissions }
  for (const key of permissionKeys) out[key] = input[key] ?? lenientKeys.has(key)
  if (input.can_manage_topics === undefined) out.can_manage_topics = out.can_pin_messages
  if (!independent) {
    if (out.can_send_other_messages || out.can_add_web_page_previews) {
      for (const key of mediaKeys) out[key] = true
    }
    if (out.can_send_polls) out.can_send_messages = true
    if (mediaKeys.some((key) => out[key]) || out.can_send_other_messages || out.can_add_web_page_previews) {
      out.can_send_messages = true
    }
  }
  return out
}

export const allPermissionsGranted = (p: FullPermissions): boolean => permissionKeys.every((key) => p[key])

export const toChatPermissions = (p: FullPermissions): ChatPermissions => ({ ...p })

/** What a fresh group allows ordinary members. */
export const defaultGroupPermissions: FullPermissions = {
  can_send_messages: true,
  can_send_audios: true,
  can_send_documents: true,
  can_send_photos: true,
  can_send_videos: true,
  can_send_video_notes: true,
  can_send_voice_notes: true,
  can_send_polls: true,
  can_send_other_messages: true,
  can_add_web_page_previews: true,
  can_react_to_messages: true,
  can_change_info: false,
  can_invite_users: true,
  can_edit_tag: false,
  can_pin_messages: false,
  can_manage_topics: false
}

export type AdminRights = Required<Omit<ChatAdministratorRights, "can_manage_tags" | "can_manage_direct_messages">>

/** Every right a bot can hold; channel-only rights are harmless in groups. */
export const fullAdminRights: AdminRights = {
  is_anonymous: false,
  can_manage_chat: true,
  can_delete_messages: true,
  can_manage_video_chats: true,
  can_restrict_members: true,
  can_promote_members: false,
  can_change_info: true,
  can_invite_users: true,
  can_post_stories: true,
  can_edit_stories: true,
  can_delete_stories: true,
  can_post_messages: true,
  can_edit_messages: true,
  can_pin_messages: true,
  can_manage_topics: true,
  can_send_welcome_messages: true
}

/** What an administrator gets when promoted with no rights listed: managing the chat only. */
export const minimalAdminRights: AdminRights = {
  is_anonymous: false,
  can_manage_chat: true,
  can_delete_messages: false,
  can_manage_video_chats: false,
  can_restrict_members: false,
  can_promote_members: false,
  can_change_info: false,
  can_invite_users: false,
  can_post_stories: false,
  can_edit_stories: false,
  can_delete_stories: false,
  can_post_messages: false,
  can_edit_messages: false,
  can_pin_messages: false,
  can_manage_topics: false,
  can_send_welcome_messages: false
}

const DAY = 86_400

/** until_date under 30 s or beyond 366 days from now means "forever", stored as 0 (Bot API docs). */
export const normalizeUntilDate = (untilDate: number | undefined, nowSec: number): number => {
  if (untilDate === undefined || untilDate === 0) return 0
  const delta = untilDate - nowSec
  return delta < 30 || delta > 366 * DAY ? 0 : untilDate
}
