import type { IncomingMessage } from "node:http"

const MAX_BODY = 10 * 1024 * 1024

const readRaw = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        reject(new Error("request body too large"))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

/** Text fields of a multipart/form-data body; file parts are kept as their text too (the sandbox stores no files). */
const parseMultipart = (body: Buffer, contentType: string): Record<string, unknown> => {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType)
  const marker = boundary?.[1] ?? boundary?.[2]
  if (marker === undefined) return {}
  const out: Record<string, unknown> = {}
  for (const part of body.toString("utf8").split(`--${marker}`)) {
    const split = part.indexOf("\r\n\r\n")
    if (split === -1) continue
    const name = /name="([^"]*)"/.exec(part.slice(0, split))?.[1]
    if (name === undefined) continue
    out[name] = part.slice(split + 4).replace(/\r\n$/, "")
  }
  return out
}

/** Parameters from the query string merged with a JSON, url-encoded or multipart body, as Telegram accepts. */
export const readParams = async (req: IncomingMessage, url: URL): Promise<Record<string, unknown>> => {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams)
  if (req.method === "GET" || req.method === "HEAD") return params
  const body = await readRaw(req)
  if (body.length === 0) return params
  const contentType = req.headers["content-type"] ?? ""
  if (contentType.includes("application/json")) {
    const parsed: unknown = JSON.parse(body.toString("utf8"))
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) Object.assign(params, parsed)
  } else if (contentType.includes("multipart/form-data")) {
    Object.assign(params, parseMultipart(body, contentType))
  } else {
    Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString("utf8"))))
  }
  return params
}
