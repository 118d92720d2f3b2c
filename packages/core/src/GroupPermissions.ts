import type { ChatId } from "@nezuko/domain"
import { Duration, Effect, Option, Schema } from "effect"
import type { ChatPermissions } from "grammy/types"
import { KeyValueStore } from "./KeyValueStore.js"
import { TelegramApi } from "./TelegramApi.js"

const Permissions = Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.Boolean }))
const ttl = Duration.seconds(600)

/** The ten send rights a mute turns off (BOT-25 step 6). */
export const sendRights = [
  "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos", "can_send_videos",
  "can_send_video_notes", "can_send_voice_notes", "can_send_polls", "can_send_other_messages", "can_add_web_page_previews"
] as const

/** A mute: every send right off, the non-send rights copied from the group's defaults. */
export const mutedPermissions = (defaults: ChatPermissions): ChatPermissions => ({
  ...Object.fromEntries(sendRights.map((r) => [r, false])),
  can_change_info: defaults.can_change_info ?? false,
  can_invite_users: defaults.can_invite_users ?? false,
  can_pin_messages: defaults.can_pin_messages ?? false,
  can_manage_topics: defaults.can_manage_topics ?? false
})

/** A group's default member permissions (CACHE-1 `perm:`, 600 s): the mute template and the restore target (BOT-36). */
export class GroupPermissions extends Effect.Service<GroupPermissions>()("@nezuko/core/GroupPermissions", {
  effect: Effect.gen(function* () {
    const store = yield* KeyValueStore
    const telegram = yield* TelegramApi
    const key = (groupId: ChatId) => `perm:${groupId}`

    const get = Effect.fn("GroupPermissions.get")(function* (groupId: ChatId, options: { readonly fresh?: boolean } = {}) {
      if (!options.fresh) {
        const hit = yield* store.get(key(groupId)).pipe(
          Effect.map(Option.flatMap(Schema.decodeUnknownOption(Permissions))),
          Effect.orElseSucceed(() => Option.none<Record<string, boolean>>())
        )
        if (Option.isSome(hit)) return hit.value as ChatPermissions
      }
      const chat = yield* telegram.getChat({ chat_id: groupId })
      const permissions: ChatPermissions = chat.permissions ?? {}
      yield* Effect.ignore(store.set(key(groupId), JSON.stringify(permissions), ttl))
      return permissions
    })

    return { get, invalidate: (groupId: ChatId) => Effect.ignore(store.remove(key(groupId))) } as const
  })
}) {}
