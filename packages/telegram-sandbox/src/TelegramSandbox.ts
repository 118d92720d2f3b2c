import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { SandboxOptions } from "./Options.js"
import { type RunningSandbox, startSandbox } from "./Sandbox.js"
import { SandboxError } from "./SandboxError.js"

/** The running sandbox as an Effect service. */
export class TelegramSandbox extends Context.Tag("@nezuko/telegram-sandbox/TelegramSandbox")<TelegramSandbox, RunningSandbox>() {
  /** Starts on acquisition, closes when the scope closes. */
  static scoped(options: SandboxOptions = {}): Effect.Effect<RunningSandbox, SandboxError, Scope.Scope> {
    return Effect.acquireRelease(
      Effect.tryPromise({
        try: () => startSandbox(options),
        catch: (error) => new SandboxError({ message: `sandbox failed to start: ${String(error)}` })
      }),
      (sandbox) => Effect.promise(() => sandbox.close())
    )
  }

  static layer(options: SandboxOptions = {}): Layer.Layer<TelegramSandbox, SandboxError> {
    return Layer.scoped(TelegramSandbox, TelegramSandbox.scoped(options))
  }
}
