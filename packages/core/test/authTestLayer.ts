import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PgliteTest } from "@nezuko/testing"
import { ConfigProvider, Layer } from "effect"
import { AdminAuthLive } from "../src/AdminAuthLive.js"
import { AppConfig } from "../src/AppConfig.js"
import { AuthKeys } from "../src/AuthKeys.js"
import { KeyValueStore } from "../src/KeyValueStore.js"

/** The panel-auth services over PGlite and the memory store, with keys generated in a temporary DATA_DIR. */
export const authTestLayer = (env: Record<string, string> = {}) => {
  const config = AppConfig.Default.pipe(
    Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries({
      DATA_DIR: mkdtempSync(join(tmpdir(), "nezuko-auth-")),
      ...env
    })))))
  )
  return Layer.mergeAll(AdminAuthLive, AuthKeys.Default).pipe(
    Layer.provideMerge(Layer.mergeAll(PgliteTest, KeyValueStore.layerMemory(), config))
  )
}
