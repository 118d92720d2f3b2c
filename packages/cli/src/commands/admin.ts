import { Command, Options, Prompt } from "@effect/cli"
import { AdminAccounts, AdminAuthLive, cliContext, DatabaseLive, Health, KeyValueStore } from "@nezuko/core"
import { Role } from "@nezuko/domain"
import { Console, Effect, Layer, Option, Predicate, Redacted } from "effect"

// The CLI needs the accounts service only; login throttling's store is never used here, so memory will do.
const AdminCliLive = AdminAuthLive.pipe(
  Layer.provide(Layer.mergeAll(DatabaseLive, KeyValueStore.layerMemory())),
  Layer.provide(Health.Default)
)

const email = Options.text("email").pipe(Options.withDescription("The admin's email address"))

const readStdin = Effect.promise(async () => {
  const chunks: Array<Buffer> = []
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)))
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "")
})

/**
 * SEC-14: never from argv. A terminal gets a no-echo prompt (asked twice); piped stdin is read as is. An empty
 * answer means "generate one".
 */
const passwordInput = Effect.gen(function* () {
  if (!process.stdin.isTTY) {
    const piped = yield* readStdin
    return piped === "" ? Option.none<string>() : Option.some(piped)
  }
  const first = Redacted.value(yield* Prompt.hidden({ message: "Password (leave empty to generate one)" }))
  if (first === "") return Option.none<string>()
  const again = Redacted.value(yield* Prompt.hidden({ message: "Password again" }))
  if (again !== first) return yield* Effect.fail("the two passwords differ")
  return Option.some(first)
})

const message = (error: unknown) =>
  Predicate.hasProperty(error, "message") && typeof error.message === "string" ? error.message : String(error)

/** One line on stderr and exit 1: these commands are used in scripts, which only need the status. */
const orExit = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchAll(effect, (error) =>
    Effect.zipRight(Console.error(`error: ${message(error)}`), Effect.sync(() => process.exit(1))))

const printGenerated = (generated: Option.Option<string>) =>
  Option.match(generated, {
    onNone: () => Effect.void,
    onSome: (password) => Console.log(`generated password (shown once): ${password}`)
  })

const create = Command.make("create", {
  email,
  role: Options.choice("role", Role.literals).pipe(Options.withDescription("owner, admin or viewer")),
  name: Options.text("name").pipe(Options.optional, Options.withDescription("Display name")),
  force: Options.boolean("force").pipe(Options.withDescription("Create an Owner even though an active Owner exists"))
}, (args) =>
  Effect.gen(function* () {
    const password = yield* passwordInput
    const accounts = yield* AdminAccounts
    const { admin, generatedPassword } = yield* accounts.create(
      { email: args.email, displayName: Option.getOrNull(args.name), role: args.role, password, force: args.force },
      cliContext
    )
    yield* Console.log(`created ${admin.role} ${admin.email} (${admin.id})`)
    yield* printGenerated(generatedPassword)
  }).pipe(orExit, Effect.provide(AdminCliLive))).pipe(Command.withDescription("Create a panel user (the first Owner, typically)"))

const resetPassword = Command.make("reset-password", { email }, (args) =>
  Effect.gen(function* () {
    const password = yield* passwordInput
    const accounts = yield* AdminAccounts
    const { admin, generatedPassword } = yield* accounts.resetPassword(args.email, password, cliContext)
    yield* Console.log(`password of ${admin.email} reset; every sign-in of theirs was ended`)
    yield* printGenerated(generatedPassword)
  }).pipe(orExit, Effect.provide(AdminCliLive))).pipe(Command.withDescription("Set a new password (read from stdin or a prompt, or generated)"))

const unlock = Command.make("unlock", { email }, (args) =>
  Effect.gen(function* () {
    const accounts = yield* AdminAccounts
    const admin = yield* accounts.unlock(args.email, cliContext)
    yield* Console.log(`${admin.email} unlocked`)
  }).pipe(orExit, Effect.provide(AdminCliLive))).pipe(Command.withDescription("Lift a login lock (SEC-8)"))

/** `nezuko admin create|reset-password|unlock` (SEC-14). */
export const adminCommand = Command.make("admin").pipe(
  Command.withDescription("Panel users"),
  Command.withSubcommands([create, resetPassword, unlock])
)
