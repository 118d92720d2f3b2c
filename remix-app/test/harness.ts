import type { SqlClient } from "@effect/sql"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AdminAccounts, AppConfig, CacheEvents, cliContext, Health, KeyValueStore, LogRing } from "@nezuko/core"
import type { Role } from "@nezuko/domain"
import { ConfigProvider, Effect, Layer, Logger, LogLevel, Option } from "effect"
import { panelServices, type PanelServices } from "../app/layers.server.js"
import { disposeRuntime, installRuntime, type PanelRuntime } from "../app/runtime.server.js"
import { createPanelApp, type PanelApp } from "../server/app.js"

export const origin = "http://localhost:3000"
export const password = "correct horse battery staple, but longer"

/** A running panel (Vite in middleware mode, no socket) over the given database, driven through its fetch handler. */
export interface Panel {
  readonly app: PanelApp
  readonly runtime: PanelRuntime
  run<A, E>(effect: Effect.Effect<A, E, PanelServices>): Promise<A>
  createAdmin(email: string, role: Role): Promise<void>
  close(): Promise<void>
}

export const startPanel = async (database: Layer.Layer<SqlClient.SqlClient, unknown>, env: Record<string, string> = {}): Promise<Panel> => {
  const dataDir = mkdtempSync(join(tmpdir(), "nezuko-panel-"))
  const provider = ConfigProvider.fromMap(new Map(Object.entries({
    DATA_DIR: dataDir,
    PANEL_PUBLIC_URL: origin,
    LOG_LEVEL: "warn",
    ...env
  })))
  const config = AppConfig.Default.pipe(Layer.provide(Layer.setConfigProvider(provider)))
  const quiet = Logger.minimumLogLevel(LogLevel.Warning)
  const infrastructure = Layer.mergeAll(database, KeyValueStore.layerMemory(), CacheEvents.local, LogRing.local, Health.Default, quiet).pipe(Layer.provideMerge(config))
  const runtime = installRuntime(panelServices(infrastructure), { signals: false })
  await runtime.runtime()
  const app = await createPanelApp(runtime, { built: false, publicOrigin: origin, viteCacheDir: join(dataDir, "vite") })
  return {
    app,
    runtime,
    run: (effect) => runtime.runPromise(effect),
    createAdmin: (email, role) =>
      runtime.runPromise(Effect.flatMap(AdminAccounts, (a) =>
        a.create({ email, displayName: null, role, password: Option.some(password), force: true }, cliContext))).then(() => undefined),
    close: async () => {
      await app.close()
      await Effect.runPromise(disposeRuntime)
    }
  }
}

export interface Sent {
  readonly method?: string
  readonly form?: Record<string, string>
  readonly json?: unknown
  readonly headers?: Record<string, string>
  readonly ip?: string
}

/** A browser-like client: keeps cookies, sends the panel's Origin on writes unless told otherwise. */
export class Client {
  readonly cookies = new Map<string, string>()
  csrf = ""
  constructor(readonly panel: Panel, readonly ip = "127.0.0.1") {}

  async send(path: string, options: Sent = {}): Promise<Response> {
    const method = options.method ?? (options.form || options.json !== undefined ? "POST" : "GET")
    const headers = new Headers(options.headers)
    if (this.cookies.size > 0) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "))
    if (method !== "GET" && !headers.has("origin") && !options.headers?.["x-no-origin"]) headers.set("origin", origin)
    headers.delete("x-no-origin")
    let body: string | undefined
    if (options.form) {
      headers.set("content-type", "application/x-www-form-urlencoded")
      body = new URLSearchParams(options.form).toString()
    } else if (options.json !== undefined) {
      headers.set("content-type", "application/json")
      body = JSON.stringify(options.json)
    }
    const response = await this.panel.app.handler(
      new Request(new URL(path, origin), { method, headers, ...(body === undefined ? {} : { body }) }),
      { ip: options.ip ?? this.ip }
    )
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";")
      const at = pair?.indexOf("=") ?? -1
      if (pair === undefined || at < 0) continue
      const name = pair.slice(0, at)
      const value = pair.slice(at + 1)
      if (value === "" || /Max-Age=0/.test(cookie)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return response
  }

  /** Signs in through the HTML form (with its double-submit token) and fetches the CSRF token for later writes. */
  async login(email: string, secret = password): Promise<Response> {
    const page = await this.send("/login")
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? ""
    const response = await this.send("/login", { form: { email, password: secret, _csrf: token } })
    if (response.status === 303) {
      const me = await this.send("/api/v1/me")
      const body = (await me.json()) as { data: { csrf_token: string } }
      this.csrf = body.data.csrf_token
    }
    return response
  }
}
