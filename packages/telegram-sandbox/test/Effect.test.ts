import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { Sandbox, SandboxError, TelegramSandbox } from "../src/index.js"

describe("Effect integration", () => {
  it.scoped("Sandbox.scoped starts a sandbox and closes it with the scope", () =>
    Effect.gen(function* () {
      const url = yield* Effect.scoped(
        Effect.gen(function* () {
          const sandbox = yield* Sandbox.scoped()
          const me = yield* Effect.promise(() => fetch(`${sandbox.apiRoot}/bot${sandbox.token}/getMe`).then((r) => r.json() as Promise<{ ok: boolean }>))
          expect(me.ok).toBe(true)
          return sandbox.apiRoot
        })
      )
      const afterClose = yield* Effect.exit(Effect.tryPromise(() => fetch(`${url}/_sandbox/state`)))
      expect(Exit.isFailure(afterClose)).toBe(true)
    })
  )

  layer(TelegramSandbox.layer())("TelegramSandbox.layer", (it) => {
    it.effect("driver.use turns driver failures into SandboxError", () =>
      Effect.gen(function* () {
        const { driver } = yield* TelegramSandbox
        const user = yield* driver.use((d) => d.createUser({ firstName: "E" }))
        const failure = yield* Effect.flip(driver.use((d) => d.sendMessage(user.id, -1001, "x")))
        expect(failure).toBeInstanceOf(SandboxError)
        expect(failure.message).toMatch(/unknown chat/)
        const timedOut = yield* Effect.flip(driver.use((d) => d.waitForMethod("sendMessage", {}, { timeoutMs: 20 })))
        expect(timedOut._tag).toBe("SandboxError")
      })
    )
  })
})
