import { randomBytes } from "node:crypto"

const valid = /^[A-Za-z0-9._-]{8,64}$/

/** A UUID v7 (RFC 9562): 48 bits of Unix milliseconds, then random bits; ids sort by time in logs. */
export const uuidv7 = (now = Date.now()): string => {
  const bytes = randomBytes(16)
  bytes.writeUIntBE(now, 0, 6)
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f)
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f)
  const hex = bytes.toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** SEC-12: a well-formed incoming X-Request-ID is kept, anything else replaced by a fresh UUID v7. */
export const requestIdOf = (headers: Headers) => {
  const incoming = headers.get("x-request-id")
  return incoming !== null && valid.test(incoming) ? incoming : uuidv7()
}
