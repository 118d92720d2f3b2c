import { CallLog } from "./CallLog.js"
import { Dispatcher } from "./Dispatcher.js"
import { SandboxDriver } from "./Driver.js"
import { Faults } from "./Faults.js"
import { Limits } from "./Limits.js"
import type { Core } from "./methods/Core.js"
import { resolveOptions, type SandboxOptions } from "./Options.js"
import { createSandboxServer, listen } from "./Server.js"
import { Updates } from "./Updates.js"
import { Webhook } from "./Webhook.js"
import { World } from "./World.js"

export interface RunningSandbox {
  /** Base URL, e.g. http://127.0.0.1:8081 */
  readonly url: string
  /** What a bot uses as TELEGRAM_API_ROOT / grammY's client.apiRoot (the same as url). */
  readonly apiRoot: string
  /** Base of the control API: `${url}/_sandbox` */
  readonly controlUrl: string
  readonly token: string
  readonly port: number
  readonly driver: SandboxDriver
  close(): Promise<void>
}

/** Starts a sandbox listening on 127.0.0.1 (a random port unless `port` is given). */
export const startSandbox = async (options: SandboxOptions = {}): Promise<RunningSandbox> => {
  const opts = resolveOptions(options)
  const updates = new Updates(opts.maxCallLog)
  const world = new World(opts, updates)
  const calls = new CallLog(opts.maxCallLog)
  const limits = new Limits(opts.limits)
  const faults = new Faults(opts.seed)
  const replies: { dispatcher: Dispatcher | undefined } = { dispatcher: undefined }
  const webhook = new Webhook(updates, opts, (body) => {
    const { method, ...params } = body
    if (typeof method === "string") void replies.dispatcher?.call(method, params, new AbortController().signal, true)
  })
  const core: Core = { opts, world, updates, webhook, poll: undefined }
  const dispatcher = new Dispatcher(core, faults, limits, calls)
  replies.dispatcher = dispatcher
  const reset = (): void => {
    webhook.reset()
    world.reset()
    updates.reset()
    calls.clear()
    limits.reset()
    limits.config = opts.limits
    faults.reset()
  }
  const driver = new SandboxDriver(core, calls, limits, faults, reset)
  if (opts.demo) driver.seedDemo()
  const server = createSandboxServer(opts.token, dispatcher, driver)
  const address = await listen(server, opts.port, opts.host)
  const url = `http://${opts.host}:${address.port}`
  return {
    url,
    apiRoot: url,
    controlUrl: `${url}/_sandbox`,
    token: opts.token,
    port: address.port,
    driver,
    close: () =>
      new Promise<void>((resolve) => {
        webhook.delete()
        updates.reset()
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}
