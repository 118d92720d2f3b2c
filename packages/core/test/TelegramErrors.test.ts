import { describe, it } from "@effect/vitest"
import { Duration } from "effect"
import { expect } from "vitest"
import { type ApiErrorBody, classifyApiError, outcomeOf } from "../src/TelegramErrors.js"

// Real Bot API answers (error_code, description, parameters) and the LIM-7 class each must become.
const table: ReadonlyArray<readonly [ApiErrorBody, string]> = [
  [{ error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } }, "TelegramRateLimited"],
  [{ error_code: 500, description: "Internal Server Error" }, "TelegramTransient"],
  [{ error_code: 502, description: "Bad Gateway" }, "TelegramTransient"],
  [{ error_code: 401, description: "Unauthorized" }, "TelegramUnauthorized"],
  [{ error_code: 400, description: "Bad Request: group chat was upgraded to a supergroup chat", parameters: { migrate_to_chat_id: -1001234567890 } }, "TelegramChatMigrated"],
  [{ error_code: 400, description: "Bad Request: not enough rights to restrict/unrestrict chat member" }, "TelegramMissingRights"],
  [{ error_code: 400, description: "Bad Request: CHAT_ADMIN_REQUIRED" }, "TelegramMissingRights"],
  [{ error_code: 403, description: "Forbidden: need administrator rights in the channel chat" }, "TelegramMissingRights"],
  [{ error_code: 400, description: "Bad Request: user is an administrator of the chat" }, "TelegramTargetIsAdmin"],
  [{ error_code: 400, description: "Bad Request: can't restrict self" }, "TelegramTargetIsAdmin"],
  [{ error_code: 400, description: "Bad Request: can't remove chat owner" }, "TelegramTargetIsAdmin"],
  [{ error_code: 400, description: "Bad Request: user not found" }, "TelegramUserNotFound"],
  [{ error_code: 400, description: "Bad Request: PARTICIPANT_ID_INVALID" }, "TelegramUserNotFound"],
  [{ error_code: 400, description: "Bad Request: member not found" }, "TelegramUserNotFound"],
  [{ error_code: 400, description: "Bad Request: chat not found" }, "TelegramChatUnavailable"],
  [{ error_code: 403, description: "Forbidden: bot was kicked from the supergroup chat" }, "TelegramChatUnavailable"],
  [{ error_code: 403, description: "Forbidden: bot is not a member of the channel chat" }, "TelegramChatUnavailable"],
  [{ error_code: 400, description: "Bad Request: message to delete not found" }, "TelegramMessageGone"],
  [{ error_code: 400, description: "Bad Request: message can't be deleted" }, "TelegramMessageGone"],
  [{ error_code: 400, description: "Bad Request: message to edit not found" }, "TelegramMessageGone"],
  [{ error_code: 400, description: "Bad Request: query is too old and response timeout expired or query ID is invalid" }, "TelegramCallbackExpired"],
  [{ error_code: 403, description: "Forbidden: bot can't initiate conversation with a user" }, "TelegramCannotMessageUser"],
  [{ error_code: 403, description: "Forbidden: bot was blocked by the user" }, "TelegramCannotMessageUser"],
  [{ error_code: 403, description: "Forbidden: user is deactivated" }, "TelegramCannotMessageUser"],
  [{ error_code: 400, description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same" }, "NotModified"],
  [{ error_code: 400, description: "Bad Request: method is available only for supergroups" }, "TelegramPermanent"],
  [{ error_code: 400, description: "Bad Request: can't parse entities: Unsupported start tag" }, "TelegramPermanent"],
  [{ error_code: 404, description: "Not Found" }, "TelegramPermanent"]
]

const body = (i: number): ApiErrorBody => table[i]?.[0] ?? { error_code: 0, description: "missing row" }

describe("classifyApiError (LIM-7)", () => {
  for (const [row, expected] of table) {
    it(`${row.error_code} ${row.description} → ${expected}`, () => {
      const result = classifyApiError("someMethod", row)
      expect(result === "NotModified" ? result : result._tag).toBe(expected)
    })
  }

  it("keeps retry_after and the new chat id", () => {
    const limited = classifyApiError("sendMessage", body(0))
    expect(limited !== "NotModified" && limited._tag === "TelegramRateLimited" && Duration.toSeconds(limited.retryAfter)).toBe(7)
    const migrated = classifyApiError("sendMessage", body(4))
    expect(migrated !== "NotModified" && migrated._tag === "TelegramChatMigrated" && migrated.newChatId).toBe(-1001234567890)
  })

  it("maps classes to the OPS-5 outcome label", () => {
    const outcome = (b: ApiErrorBody) => {
      const e = classifyApiError("m", b)
      return e === "NotModified" ? "ok" : outcomeOf(e)
    }
    expect(outcome(body(0))).toBe("rate_limited")
    expect(outcome(body(1))).toBe("server_error")
    expect(outcome(body(5))).toBe("client_error")
  })

  it("never keeps a bot token that a description might echo", () => {
    const e = classifyApiError("m", { error_code: 400, description: "Bad Request: bad url /bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ/x" })
    expect(e !== "NotModified" && e.description).not.toContain("ABCDEFGHIJ")
  })
})
