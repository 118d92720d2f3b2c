import { AppConfig, authorize, can, CurrentAdmin, limitRanges, maskedConfig } from "@nezuko/core"
import { AppSettingsRepo } from "@nezuko/db"
import { defaultSettings, SettingsValues } from "@nezuko/domain"
import { data, redirect } from "@remix-run/node"
import { Effect, ParseResult, Schema } from "effect"
import { audit, formData, RequestInfo } from "../../request.server.js"
import { fromForm } from "../_panel.groups.$chatId/fields.js"

const Limits = Schema.Struct({
  global_per_second: Schema.NumberFromString.pipe(Schema.int(), Schema.between(...limitRanges.global)),
  group_per_minute: Schema.NumberFromString.pipe(Schema.int(), Schema.between(...limitRanges.perGroup)),
  verification_log_days: Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 3650)),
  audit_log_days: Schema.NumberFromString.pipe(Schema.int(), Schema.between(90, 3650))
})

const current = Effect.gen(function* () {
  const config = yield* AppConfig
  const stored = yield* Effect.flatMap(AppSettingsRepo, (r) => r.all)
  const num = (key: string, fallback: number) => (typeof stored.get(key) === "number" ? Number(stored.get(key)) : fallback)
  const defaults = Schema.decodeUnknownOption(SettingsValues)(stored.get("defaults.group_settings"))
  return {
    defaults: defaults._tag === "Some" ? defaults.value : defaultSettings,
    limits: {
      global_per_second: num("limits.global_per_second", config.rateLimitGlobal),
      group_per_minute: num("limits.group_per_minute", config.rateLimitPerGroup),
      verification_log_days: num("retention.verification_log_days", config.verificationLogRetentionDays),
      audit_log_days: num("retention.audit_log_days", config.auditLogRetentionDays)
    }
  }
})

/** PANEL-14: defaults for new groups, limits, retention; the configuration in effect with secrets masked. */
export const settingsPage = Effect.gen(function* () {
  const config = yield* AppConfig
  const me = yield* CurrentAdmin
  const { url } = yield* RequestInfo
  const now = yield* current
  return {
    canEdit: can(me.role, "update:settings:any"),
    saved: url.searchParams.get("saved"),
    defaults: Schema.encodeSync(SettingsValues)(now.defaults),
    limits: now.limits,
    configuration: Object.entries(maskedConfig(config)).map(([key, value]) => ({ key, value }))
  }
})

const fieldErrors = (e: ParseResult.ParseError, prefix = "") =>
  ParseResult.ArrayFormatter.formatErrorSync(e).map((i) => ({ field: `${prefix}/${i.path.map(String).join("/")}`, message: i.message }))

/** Owner only (the route checks read:settings:any, this update:settings:any); each changed key audited. */
export const saveSettingsPage = Effect.gen(function* () {
  const form = yield* formData
  const me = yield* CurrentAdmin
  const section = form.get("section")
  const repo = yield* AppSettingsRepo
  const before = yield* current
  if (section === "defaults") {
    const decoded = yield* Schema.decodeUnknown(SettingsValues)(fromForm(form), { errors: "all" }).pipe(Effect.either)
    if (decoded._tag === "Left") return data({ section: "defaults", errors: fieldErrors(decoded.left) }, { status: 400 })
    yield* repo.put("defaults.group_settings", Schema.encodeSync(SettingsValues)(decoded.right), me.id)
    yield* audit({ action: "settings.defaults", resourceType: "app_settings", resourceId: "defaults.group_settings", oldValue: Schema.encodeSync(SettingsValues)(before.defaults), newValue: Schema.encodeSync(SettingsValues)(decoded.right) })
    return redirect("/settings?saved=defaults", 303)
  }
  const decoded = yield* Schema.decodeUnknown(Limits)(Object.fromEntries(["global_per_second", "group_per_minute", "verification_log_days", "audit_log_days"].map((k) => [k, String(form.get(k) ?? "")])), { errors: "all" }).pipe(Effect.either)
  if (decoded._tag === "Left") return data({ section: "limits", errors: fieldErrors(decoded.left) }, { status: 400 })
  const keys = { global_per_second: "limits.global_per_second", group_per_minute: "limits.group_per_minute", verification_log_days: "retention.verification_log_days", audit_log_days: "retention.audit_log_days" } as const
  for (const [field, key] of Object.entries(keys) as Array<[keyof typeof keys, string]>) {
    if (decoded.right[field] === before.limits[field]) continue
    yield* repo.put(key, decoded.right[field], me.id)
    yield* audit({ action: "settings.update", resourceType: "app_settings", resourceId: key, oldValue: before.limits[field], newValue: decoded.right[field] })
  }
  return redirect("/settings?saved=limits", 303)
}).pipe(authorize("update:settings:any"))
