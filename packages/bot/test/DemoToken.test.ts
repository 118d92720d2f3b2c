import { DemoBotToken } from "@nezuko/core"
import { SANDBOX_BOT_TOKEN } from "@nezuko/telegram-sandbox"
import { expect, it } from "vitest"

// core cannot import the sandbox (it models Telegram, not Nezuko), so the default token is written twice.
it("the bot's default sandbox token is the one the sandbox accepts", () => {
  expect(DemoBotToken).toBe(SANDBOX_BOT_TOKEN)
})
