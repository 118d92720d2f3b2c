/** SEC-10: the headers every panel response carries. The nonce is per request and reaches Remix's <Scripts>. */
export const securityHeaders = (nonce: string, options: { readonly production: boolean; readonly dev: boolean }) => {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    // Vite's dev server talks to its client over a WebSocket on the same port.
    options.dev ? "connect-src 'self' ws: wss:" : "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'"
  ].join("; ")
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
    "x-frame-options": "DENY",
    ...(options.production ? { "strict-transport-security": "max-age=31536000; includeSubDomains" } : {})
  }
}

/** SEC-9: CORS headers for an allowed cross-origin caller of /api/v1 (never a wildcard). */
export const corsHeaders = (origin: string) => ({
  "access-control-allow-origin": origin,
  "access-control-allow-credentials": "true",
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE",
  "access-control-allow-headers": "Content-Type, X-CSRF-Token, X-Request-ID",
  "access-control-expose-headers": "X-Request-ID, Retry-After",
  "access-control-max-age": "600",
  vary: "Origin"
})
