import { Duration } from "effect"

/**
 * SEC-6. `__Host-` cookies must be Secure, which a browser refuses over plain http: for a development
 * PANEL_PUBLIC_URL of http://localhost (or 127.0.0.1) the prefix and Secure are dropped.
 */
export const cookiePolicy = (publicUrl: URL) => {
  const secure = !(publicUrl.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(publicUrl.hostname))
  const prefix = secure ? "__Host-" : ""
  return {
    secure,
    names: { access: `${prefix}nz_at`, refresh: `${prefix}nz_rt`, loginCsrf: `${prefix}nz_csrf` }
  } as const
}
export type CookiePolicy = ReturnType<typeof cookiePolicy>

export const serializeCookie = (policy: CookiePolicy, name: string, value: string, maxAge: Duration.DurationInput) =>
  [
    `${name}=${value}`,
    "Path=/",
    `Max-Age=${Math.max(0, Math.round(Duration.toSeconds(Duration.decode(maxAge))))}`,
    "HttpOnly",
    "SameSite=Lax",
    ...(policy.secure ? ["Secure"] : [])
  ].join("; ")

export const clearCookie = (policy: CookiePolicy, name: string) => serializeCookie(policy, name, "", 0)

export const parseCookies = (header: string | null): Map<string, string> => {
  const cookies = new Map<string, string>()
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=")
    if (at <= 0) continue
    const name = part.slice(0, at).trim()
    if (!cookies.has(name)) cookies.set(name, part.slice(at + 1).trim())
  }
  return cookies
}

/** The Cookie header with `name` replaced (or removed when `value` is undefined). */
export const withCookie = (header: string | null, name: string, value: string | undefined) => {
  const cookies = parseCookies(header)
  if (value === undefined) cookies.delete(name)
  else cookies.set(name, value)
  return [...cookies].map(([k, v]) => `${k}=${v}`).join("; ")
}
