import * as Data from "effect/Data"

/** A driver action Telegram's clients would not allow (e.g. a muted user writing), or a bad reference. */
export class SandboxError extends Data.TaggedError("SandboxError")<{ readonly message: string }> {}

export const fail = (message: string): never => {
  throw new SandboxError({ message })
}
