import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { readParams } from "./Body.js"
import { handleControl } from "./ControlApi.js"
import type { Dispatcher } from "./Dispatcher.js"
import type { SandboxDriver } from "./Driver.js"

const send = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
  res.end(text)
}

const BOT_PATH = /^\/bot([^/]+)\/([A-Za-z0-9_]+)\/?$/

/** One node:http server for both the Bot API (`/bot<token>/<method>`) and the control API (`/_sandbox/…`). */
export const createSandboxServer = (token: string, dispatcher: Dispatcher, driver: SandboxDriver): HttpServer => {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://sandbox.invalid")
    const params = await readParams(req, url)
    if (url.pathname.startsWith("/_sandbox")) {
      const path = url.pathname.slice("/_sandbox".length) || "/"
      const answer = handleControl(driver, req.method ?? "GET", path, url.searchParams, params)
      return send(res, answer.status, answer.body)
    }
    const match = BOT_PATH.exec(url.pathname)
    if (match === null) return send(res, 404, { ok: false, error_code: 404, description: "Not Found" })
    const [, givenToken = "", method = ""] = match
    if (givenToken !== token) {
      dispatcher.reject(method, params, 401, "Unauthorized")
      return send(res, 401, { ok: false, error_code: 401, description: "Unauthorized" })
    }
    // A client that gives up (e.g. grammY stopping its long poll) must free the pending getUpdates.
    const aborted = new AbortController()
    res.on("close", () => {
      if (!res.writableFinished) aborted.abort()
    })
    const outcome = await dispatcher.call(method, params, aborted.signal)
    if (outcome.kind === "drop") {
      req.socket.destroy()
      return
    }
    if (!aborted.signal.aborted) send(res, outcome.status, outcome.body)
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${error instanceof Error ? error.message : String(error)}` })
    })
  })
  server.keepAliveTimeout = 65_000
  return server
}

export const listen = (server: HttpServer, port: number, host: string): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, host, () => {
      server.off("error", reject)
      const address = server.address()
      if (address === null || typeof address === "string") reject(new Error("server has no TCP address"))
      else resolve(address)
    })
  })
