import { Command } from "@effect/cli"
import { AppConfig, maskedConfig } from "@nezuko/core"
import { Console, Effect } from "effect"

/** `nezuko config check`: reaching this point means the configuration is valid; print it with secrets masked. */
const check = Command.make("check", {}, () =>
  Effect.gen(function* () {
    const config = yield* AppConfig
    const shown = maskedConfig(config)
    const width = Math.max(...Object.keys(shown).map((k) => k.length))
    yield* Console.log("configuration is valid:")
    for (const [key, value] of Object.entries(shown)) yield* Console.log(`  ${key.padEnd(width)}  ${value}`)
  })
).pipe(Command.withDescription("Validate the configuration and print it with secrets masked"))

export const configCommand = Command.make("config").pipe(
  Command.withDescription("Configuration tools"),
  Command.withSubcommands([check])
)
