import { Command } from "@effect/cli"
import { version } from "@nezuko/core"
import { adminCommand } from "./commands/admin.js"
import { configCommand } from "./commands/config.js"
import { migrateCommand } from "./commands/migrate.js"
import { seedCommand } from "./commands/seed.js"

/** Every `nezuko` sub-command (OPS-1). */
export const nezuko = Command.make("nezuko").pipe(
  Command.withDescription("Nezuko operator CLI"),
  Command.withSubcommands([migrateCommand, configCommand, adminCommand, seedCommand])
)

export const cli = Command.run(nezuko, { name: "nezuko", version })
