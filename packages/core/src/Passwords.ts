import { randomBytes } from "node:crypto"
import { hash, hashSync, parseOptions, verify } from "@node-rs/argon2"
import { FieldError, ValidationFailed } from "@nezuko/domain"
import { Effect } from "effect"
import { commonPasswords } from "./CommonPasswords.js"

// SEC-1. `algorithm` is left out: @node-rs/argon2 exports it as a const enum, which isolatedModules cannot
// use (STACK.md §4), and its default is argon2id.
export const argon2Params = { memoryCost: 65_536, timeCost: 3, parallelism: 4, outputLen: 32 } as const
const saltBytes = 16
const argon2id = 2

/** Whether a stored PHC hash was made with other parameters than SEC-1's and should be replaced at login. */
export const needsRehash = (phc: string): boolean => {
  try {
    const o = parseOptions(phc)
    return o.algorithm !== argon2id || o.memoryCost !== argon2Params.memoryCost || o.timeCost !== argon2Params.timeCost ||
      o.parallelism !== argon2Params.parallelism || o.outputLen !== argon2Params.outputLen || o.saltLen !== saltBytes
  } catch {
    return true
  }
}

/** SEC-2: 12–128 characters, not containing the email's local part, not a common password. */
export const passwordProblems = (password: string, email: string): ReadonlyArray<string> => {
  const problems: Array<string> = []
  const length = [...password].length
  if (length < 12) problems.push("must be at least 12 characters long")
  if (length > 128) problems.push("must be at most 128 characters long")
  const local = email.split("@")[0]?.toLowerCase() ?? ""
  // A one- or two-letter local part would forbid most passwords without making any of them safer.
  if (local.length >= 3 && password.toLowerCase().includes(local)) problems.push("must not contain your email address")
  if (commonPasswords.has(password.toLowerCase())) problems.push("is too common; choose another one")
  return problems
}

/** A random password that satisfies SEC-2 (shown once by the CLI and the demo). */
export const generatePassword = () => randomBytes(18).toString("base64url")

/** Argon2id hashing and constant-time verification (SEC-1). */
export class Passwords extends Effect.Service<Passwords>()("@nezuko/core/Passwords", {
  sync: () => {
    // Unknown emails are verified against this, so a miss costs what a hit costs and timing reveals nothing.
    // Hashing it here also warms argon2 once, at start-up, instead of on the first login.
    const dummyHash = hashSync("nezuko: no such account", { ...argon2Params, salt: randomBytes(saltBytes) })

    const verifyHash = (phc: string, password: string) =>
      Effect.tryPromise(() => verify(phc, password)).pipe(Effect.orElseSucceed(() => false), Effect.withSpan("Passwords.verify"))

    return {
      hash: (password: string) =>
        Effect.promise(() => hash(password, { ...argon2Params, salt: randomBytes(saltBytes) })).pipe(Effect.withSpan("Passwords.hash")),
      /** `needsRehash` is true when the password matched a hash made with other parameters (SEC-1). */
      verify: (phc: string, password: string) =>
        Effect.map(verifyHash(phc, password), (valid) => ({ valid, needsRehash: valid && needsRehash(phc) })),
      verifyDummy: (password: string) => Effect.asVoid(verifyHash(dummyHash, password)),
      /** Fails with ValidationFailed at `field` listing every broken rule. */
      check: (password: string, email: string, field = "/password") => {
        const problems = passwordProblems(password, email)
        return problems.length === 0
          ? Effect.void
          : Effect.fail(new ValidationFailed({ errors: problems.map((message) => new FieldError({ field, message: `Password ${message}` })) }))
      }
    } as const
  }
}) {}
