import { createReadStream, statSync } from "node:fs"
import type { IncomingMessage, ServerResponse } from "node:http"
import { extname, join, normalize, sep } from "node:path"
import { createReadableStreamFromReadable, writeReadableStreamToWritable } from "@remix-run/node"
import type { PanelHandler } from "./pipeline.js"

const privateAddress = /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|fc|fd|::ffff:127\.|::ffff:10\.|::ffff:192\.168\.)/

/**
 * The client's address. X-Forwarded-For is trusted only from a loopback or private peer (Caddy in front of
 * the panel, SPEC OPS-15); its last entry is the address that proxy saw.
 */
export const clientIp = (req: IncomingMessage): string | null => {
  const peer = req.socket.remoteAddress ?? null
  const forwarded = req.headers["x-forwarded-for"]
  if (peer !== null && privateAddress.test(peer) && typeof forwarded === "string" && forwarded.trim() !== "") {
    return forwarded.split(",").map((s) => s.trim()).filter((s) => s !== "").at(-1) ?? peer
  }
  return peer?.replace(/^::ffff:/, "") ?? null
}

export const toRequest = (req: IncomingMessage, res: ServerResponse, origin: string): Request => {
  const controller = new AbortController()
  res.on("close", () => controller.abort())
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v)
    else if (value !== undefined) headers.set(name, value)
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD"
  return new Request(new URL(req.url ?? "/", origin), {
    method: req.method ?? "GET",
    headers,
    signal: controller.signal,
    ...(hasBody ? { body: createReadableStreamFromReadable(req), duplex: "half" } : {})
  })
}

export const sendResponse = async (res: ServerResponse, response: Response) => {
  const headers: Record<string, string | Array<string>> = {}
  for (const [name, value] of response.headers) if (name !== "set-cookie") headers[name] = value
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers["set-cookie"] = cookies
  if (response.statusText === "") res.writeHead(response.status, headers)
  else res.writeHead(response.status, response.statusText, headers)
  if (response.body === null) res.end()
  else await writeReadableStreamToWritable(response.body, res)
}

/** node:http → the panel's fetch handler. */
export const nodeListener = (handler: PanelHandler, origin: () => string) => (req: IncomingMessage, res: ServerResponse) => {
  void handler(toRequest(req, res, origin()), { ip: clientIp(req) })
    .then((response) => sendResponse(res, response))
    .catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
}

const types: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
  ".ico": "image/x-icon", ".json": "application/json", ".woff2": "font/woff2", ".txt": "text/plain; charset=utf-8", ".map": "application/json"
}

/**
 * Serves the built client files (production): fingerprinted /assets/* for a year, anything else briefly.
 * Returns false when the path is not a file under `root`, so the request goes on to Remix.
 */
export const serveStatic = (root: string) => (req: IncomingMessage, res: ServerResponse): boolean => {
  if (req.method !== "GET" && req.method !== "HEAD") return false
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)
  const file = normalize(join(root, path))
  if (!file.startsWith(root + sep) || path.endsWith("/")) return false
  let size: number
  try {
    const stat = statSync(file)
    if (!stat.isFile()) return false
    size = stat.size
  } catch {
    return false
  }
  res.writeHead(200, {
    "content-type": types[extname(file)] ?? "application/octet-stream",
    "content-length": size,
    "cache-control": path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "public, max-age=3600",
    "x-content-type-options": "nosniff"
  })
  if (req.method === "HEAD") res.end()
  else createReadStream(file).pipe(res)
  return true
}
