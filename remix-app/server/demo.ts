import { seedDemoProtection } from "@nezuko/bot"
import { AdminAccounts, type AppConfigShape, cliContext } from "@nezuko/core"
import { DEMO, type RunningSandbox, startSandbox } from "@nezuko/telegram-sandbox"
import { Effect, Option } from "effect"

export const demoOwnerEmail = "demo-owner@example.com"

/**
 * OPS-13/OPS-14: the in-process Telegram sandbox with the demo world. Must run before the runtime is built:
 * TELEGRAM_API_ROOT is set here (unless the user set it) so the configuration the bot reads points at it.
 */
export const startDemoSandbox = async (config: AppConfigShape): Promise<RunningSandbox> => {
  const sandbox = await startSandbox({
    host: "127.0.0.1",
    port: config.sandboxPort,
    token: Option.getOrElse(config.sandboxBotToken, () => DEMO.token),
    demo: true
  })
  process.env.TELEGRAM_API_ROOT ??= sandbox.apiRoot
  return sandbox
}

/** Nezuko's side of the demo (already protected group) and, on a fresh DATA_DIR, a demo Owner printed once. */
export const seedDemo = Effect.gen(function* () {
  yield* seedDemoProtection({ group: DEMO.group, channels: [DEMO.channel, DEMO.news], protectedBy: DEMO.users.carol.id })
  const accounts = yield* AdminAccounts
  if ((yield* accounts.countAll) > 0) return Option.none<{ readonly email: string; readonly password: string }>()
  const created = yield* accounts.create(
    { email: demoOwnerEmail, displayName: "Demo Owner", role: "owner", password: Option.none(), force: false },
    { ...cliContext, actorType: "system" }
  )
  return Option.map(created.generatedPassword, (password) => ({ email: demoOwnerEmail, password }))
})
