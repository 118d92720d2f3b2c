import { Command, Options } from "@effect/cli"
import { migrate, migrationStatus } from "@nezuko/db"
import { SqlLive } from "@nezuko/core"
import { Console, Effect } from "effect"

const status = Options.boolean("status").pipe(Options.withDescription("List every migration and whether it is applied; change nothing"))

/** `nezuko migrate [--status]` (OPS-1, DATA-1): the one-shot step a deployment runs before the apps start. */
export const migrateCommand = Command.make("migrate", { status }, ({ status }) =>
  Effect.gen(function* () {
    if (status) {
      const rows = yield* migrationStatus
      for (const row of rows) {
        yield* Console.log(`${String(row.id).padStart(4, "0")}_${row.name.padEnd(32)} ${row.appliedAt ? `applied ${row.appliedAt.toISOString()}` : "pending"}`)
      }
      const pending = rows.filter((r) => r.appliedAt === null).length
      yield* Console.log(pending === 0 ? "database is up to date" : `${pending} pending`)
      return
    }
    const ran = yield* migrate
    yield* Console.log(ran.length === 0 ? "nothing to migrate: database is up to date" : `applied ${ran.map(([id, name]) => `${id}_${name}`).join(", ")}`)
  }).pipe(Effect.provide(SqlLive))
).pipe(Command.withDescription("Apply pending database migrations"))
