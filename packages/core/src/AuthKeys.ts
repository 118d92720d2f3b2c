import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { calculateJwkThumbprint, exportJWK, type JWK } from "jose"
import { Effect, Option, Redacted } from "effect"
import { AppConfig } from "./AppConfig.js"
import { configExitCode, FatalStartup } from "./Boot.js"

/**
 * Reads `file`, or creates it with `make()` when absent. The exclusive flag makes two processes starting
 * together agree on one value: the loser of the race reads the winner's file.
 */
const readOrCreate = (file: string, make: () => string): string => {
  try {
    return readFileSync(file, "utf8")
  } catch {
    mkdirSync(join(file, ".."), { recursive: true })
    try {
      writeFileSync(file, make(), { flag: "wx", mode: 0o600 })
    } catch {
      // Someone else created it first.
    }
    return readFileSync(file, "utf8")
  }
}

const pemBlocks = (text: string) => text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? []

const bad = (message: string) => new FatalStartup({ message, exitCode: configExitCode })

const isP256 = (key: KeyObject) => key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1"

const publicJwk = (key: KeyObject) =>
  Effect.promise(async (): Promise<JWK> => {
    const jwk = await exportJWK(key)
    return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: "ES256", use: "sig" }
  })

/**
 * Key material for the panel (SEC-3, SEC-7): the ES256 signing key with its key id (the JWK thumbprint), every
 * public key accepted during a rotation, and the CSRF secret. Outside production, whatever is not configured
 * is generated once under DATA_DIR and reused on later starts.
 */
export class AuthKeys extends Effect.Service<AuthKeys>()("@nezuko/core/AuthKeys", {
  effect: Effect.gen(function* () {
    const config = yield* AppConfig
    const fromFile = (file: string) =>
      Effect.try({ try: () => readFileSync(file, "utf8"), catch: () => bad(`cannot read ${file}`) })

    const privatePem = Option.isSome(config.jwtPrivateKey)
      ? Redacted.value(config.jwtPrivateKey.value)
      : Option.isSome(config.jwtPrivateKeyFile)
      ? yield* fromFile(config.jwtPrivateKeyFile.value)
      : readOrCreate(join(config.dataDir, "jwt-private.pem"), () =>
        generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString())
    const signingKey = yield* Effect.try({
      try: () => createPrivateKey(privatePem),
      catch: () => bad("JWT_PRIVATE_KEY: not a PKCS#8 PEM private key")
    })
    if (!isP256(signingKey)) return yield* bad("JWT_PRIVATE_KEY: must be an EC P-256 key (ES256)")
    const current = yield* publicJwk(createPublicKey(signingKey))

    const extraPem = Option.isSome(config.jwtPublicKeys)
      ? Redacted.value(config.jwtPublicKeys.value)
      : Option.isSome(config.jwtPublicKeysFile)
      ? yield* fromFile(config.jwtPublicKeysFile.value)
      : ""
    const extras = yield* Effect.forEach(pemBlocks(extraPem), (pem) =>
      Effect.try({ try: () => createPublicKey(pem), catch: () => bad("JWT_PUBLIC_KEYS: a block is not a PEM public key") }).pipe(
        Effect.filterOrFail(isP256, () => bad("JWT_PUBLIC_KEYS: every key must be EC P-256")),
        Effect.flatMap(publicJwk)
      ))

    const csrfSecret = Option.isSome(config.csrfSecret)
      ? Redacted.value(config.csrfSecret.value)
      : readOrCreate(join(config.dataDir, "csrf-secret"), () => randomBytes(32).toString("base64url")).trim()

    return {
      signingKey,
      kid: current.kid ?? "",
      /** The verification key set: the current key first, then the rotation keys (deduplicated by kid). */
      publicKeys: [current, ...extras.filter((k) => k.kid !== current.kid)],
      csrfSecret: Redacted.make(csrfSecret)
    } as const
  })
}) {}
