import { DEMO } from "./Demo.js"
import { SANDBOX_BOT_TOKEN } from "./Options.js"
import { startSandbox } from "./Sandbox.js"

// `pnpm sandbox`: the fake Bot API as its own process, seeded with the demo world.
const port = Number(process.env["SANDBOX_PORT"] ?? "8081")
const token = process.env["SANDBOX_BOT_TOKEN"] ?? SANDBOX_BOT_TOKEN

const sandbox = await startSandbox({ port, token, demo: true })
const lines = [
  `Telegram sandbox listening on ${sandbox.url}`,
  `TELEGRAM_API_ROOT=${sandbox.apiRoot}`,
  `BOT_TOKEN=${sandbox.token}`,
  `Control API: ${sandbox.controlUrl}/ (see packages/telegram-sandbox/README.md)`,
  `Demo world: "${DEMO.group.title}" ${DEMO.group.id}, @${DEMO.channel.username}, @${DEMO.news.username}; users Alice, Bob, Carol, Dave, Erin`
]
process.stdout.write(`${lines.join("\n")}\n`)

const stop = (signal: string): void => {
  process.stdout.write(`Telegram sandbox stopping (${signal})\n`)
  void sandbox.close().then(() => process.exit(0))
}
process.once("SIGINT", () => stop("SIGINT"))
process.once("SIGTERM", () => stop("SIGTERM"))
