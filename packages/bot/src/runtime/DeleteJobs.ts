import { autoDeleteKind, promptDeleteKind, TelegramApi } from "@nezuko/core"
import { Effect, Layer, Schema } from "effect"
import { JobFailed, jobHandler } from "./JobRunner.js"

const DeletePayload = Schema.Struct({ chat_id: Schema.Number.pipe(Schema.int()), message_id: Schema.Number.pipe(Schema.int()) })

/** Auto-deletion is clean-up (LIM-3 P2); a message that is already gone counts as deleted (BOT-8). */
const deleteMessage = (payload: typeof DeletePayload.Type) =>
  Effect.flatMap(TelegramApi, (telegram) =>
    telegram.deleteMessage(payload, { priority: 2, kind: "delete" }).pipe(
      Effect.as({ deleted: true }),
      Effect.catchTag("TelegramMessageGone", () => Effect.succeed({ deleted: false, reason: "already gone" })),
      // Rights or the chat itself are gone: retrying cannot help.
      Effect.catchTags({
        TelegramMissingRights: (e) => new JobFailed({ reason: e.description, retry: false }),
        TelegramChatUnavailable: (e) => new JobFailed({ reason: e.description, retry: false }),
        TelegramPermanent: (e) => new JobFailed({ reason: e.message, retry: false })
      })
    ))

const retry = ["30 seconds", "2 minutes", "10 minutes"] as const

/** The `auto_delete` (BOT-8) and `prompt_delete` (BOT-25) kinds: payload `{ chat_id, message_id }`. */
export const DeleteJobsLive = Layer.mergeAll(
  jobHandler(autoDeleteKind, DeletePayload, deleteMessage, { retry }),
  jobHandler(promptDeleteKind, DeletePayload, deleteMessage, { retry })
)
