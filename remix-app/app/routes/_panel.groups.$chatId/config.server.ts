import { createHash } from "node:crypto"
import { type AuditContext, AuditTrail, ChannelResolver, TelegramApi } from "@nezuko/core"
import { ChannelRepo, SettingsRepo, WhitelistRepo } from "@nezuko/db"
import { ChannelId, type ChatId, Conflict, FieldError, MaxChannelsPerGroup, defaultSettings, SettingsValues, UserId, ValidationFailed } from "@nezuko/domain"
import { Clock, Effect, Option, Schema } from "effect"
import { GroupAdmin } from "../../services/GroupAdmin.server.js"
import { saveSettings } from "../../services/groupSettings.server.js"

export const configFormat = "nezuko.group-config"

// The first repeated key, as a filter issue pointing at it.
const once = (keys: ReadonlyArray<number>, what: string) => {
  const at = keys.findIndex((k, i) => keys.indexOf(k) !== i)
  return at < 0 || { path: [at], message: `${what} is listed twice` }
}

const ConfigChannel = Schema.Struct({
  chat_id: ChannelId,
  title: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(255)), { exact: true }),
  username: Schema.optionalWith(Schema.NullOr(Schema.String.pipe(Schema.maxLength(32))), { exact: true })
})

const ConfigWhitelistEntry = Schema.Struct({
  user_id: UserId,
  expires_at: Schema.optionalWith(Schema.NullOr(Schema.Date), { default: () => null }),
  reason: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(200)), { default: () => "" })
})

/**
 * PANEL-6's exported group configuration: BOT-18 settings, the linked channels and the group's own whitelist
 * (global entries belong to no group). On import each part is optional: a part left out is left unchanged.
 * The parts are exact optionals: `X | undefined` would add an "Expected undefined" error to every bad field.
 */
export const GroupConfig = Schema.Struct({
  format: Schema.Literal(configFormat),
  version: Schema.Literal(1),
  group: Schema.optionalWith(Schema.Struct({ chat_id: Schema.Number, title: Schema.String }), { exact: true }),
  exported_at: Schema.optionalWith(Schema.String, { exact: true }),
  settings: Schema.optionalWith(SettingsValues, { exact: true }),
  channels: Schema.optionalWith(Schema.Array(ConfigChannel).pipe(Schema.maxItems(MaxChannelsPerGroup), Schema.filter((cs) => once(cs.map((c) => c.chat_id), "this channel"))), { exact: true }),
  whitelist: Schema.optionalWith(Schema.Array(ConfigWhitelistEntry).pipe(Schema.maxItems(1000), Schema.filter((ws) => once(ws.map((w) => w.user_id), "this user"))), { exact: true })
})
export type GroupConfig = typeof GroupConfig.Type

interface WhitelistLine { readonly user_id: number; readonly expires_at: string | null; readonly reason: string }

export interface ConfigDiff {
  readonly settings: ReadonlyArray<{ readonly key: string; readonly from: unknown; readonly to: unknown }>
  readonly channels: {
    readonly link: ReadonlyArray<{ readonly chat_id: number; readonly title: string }>
    readonly unlink: ReadonlyArray<{ readonly chat_id: number; readonly title: string }>
  }
  readonly whitelist: { readonly add: ReadonlyArray<WhitelistLine>; readonly update: ReadonlyArray<WhitelistLine>; readonly remove: ReadonlyArray<{ readonly user_id: number }> }
  readonly changes: number
}

const current = (chatId: ChatId) =>
  Effect.gen(function* () {
    const settings = yield* Effect.flatMap(SettingsRepo, (r) => r.find(chatId))
    const channels = yield* Effect.flatMap(ChannelRepo, (r) => r.linkedTo(chatId))
    const whitelist = (yield* Effect.flatMap(WhitelistRepo, (r) => r.list(chatId, 1000))).filter((w) => w.groupId !== null)
    return { settings, channels, whitelist }
  })
type Current = Effect.Effect.Success<ReturnType<typeof current>>

const whitelistLine = (w: { readonly userId: number; readonly expiresAt: Date | null; readonly reason: string | null }): WhitelistLine =>
  ({ user_id: w.userId, expires_at: w.expiresAt?.toISOString() ?? null, reason: w.reason ?? "" })

const documentOf = (group: { readonly chatId: number; readonly title: string }, state: Current) => ({
  format: configFormat,
  version: 1 as const,
  group: { chat_id: group.chatId, title: group.title },
  settings: Option.match(state.settings, { onNone: () => undefined, onSome: (s) => Schema.encodeSync(SettingsValues)(s) }),
  channels: state.channels.map((c) => ({ chat_id: c.chatId, title: c.title, username: c.username })),
  whitelist: state.whitelist.map(whitelistLine).sort((a, b) => a.user_id - b.user_id)
})

/** What an import is compared against: a preview is applied only while the group still looks like this. */
const fingerprint = (state: Current) =>
  createHash("sha256").update(JSON.stringify({
    ...documentOf({ chatId: 0, title: "" }, state),
    settingsAt: Option.map(state.settings, (s) => s.updatedAt.toISOString())
  })).digest("hex").slice(0, 16)

/** GET …/export: the configuration as a JSON document another group (or this one, later) can import. */
export const exportConfig = (group: { readonly chatId: ChatId; readonly title: string }) =>
  Effect.gen(function* () {
    const state = yield* current(group.chatId)
    const now = yield* Clock.currentTimeMillis
    return { ...documentOf(group, state), exported_at: new Date(now).toISOString() }
  })

const settingsOf = (config: GroupConfig): SettingsValues => config.settings ?? defaultSettings

const diffOf = (state: Current, config: GroupConfig, now: number) =>
  Effect.gen(function* () {
    const errors: Array<FieldError> = []
    const settings = config.settings === undefined ? [] : Option.match(state.settings, {
      onNone: () => {
        errors.push(new FieldError({ field: "/settings", message: "this group has no settings yet: protect it first" }))
        return []
      },
      onSome: (s) => {
        const before: Record<string, unknown> = Schema.encodeSync(SettingsValues)(s)
        const after: Record<string, unknown> = Schema.encodeSync(SettingsValues)(settingsOf(config))
        return Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).map((key) => ({ key, from: before[key], to: after[key] }))
      }
    })
    const linked = new Set(state.channels.map((c) => Number(c.chatId)))
    const wanted = config.channels === undefined ? undefined : new Set(config.channels.map((c) => Number(c.chat_id)))
    const channels = {
      link: (config.channels ?? []).filter((c) => !linked.has(c.chat_id)).map((c) => ({ chat_id: Number(c.chat_id), title: c.title ?? String(c.chat_id) })),
      unlink: wanted === undefined ? [] : state.channels.filter((c) => !wanted.has(Number(c.chatId))).map((c) => ({ chat_id: Number(c.chatId), title: c.title }))
    }
    const have = new Map(state.whitelist.map((w) => [Number(w.userId), whitelistLine(w)]))
    const lines = (config.whitelist ?? []).map((w): WhitelistLine => ({ user_id: w.user_id, expires_at: w.expires_at?.toISOString() ?? null, reason: w.reason }))
    ;(config.whitelist ?? []).forEach((w, i) => {
      if (w.expires_at !== null && w.expires_at.getTime() <= now) errors.push(new FieldError({ field: `/whitelist/${i}/expires_at`, message: "is in the past" }))
    })
    const whitelist = {
      add: lines.filter((w) => !have.has(w.user_id)),
      update: lines.filter((w) => have.has(w.user_id) && JSON.stringify(have.get(w.user_id)) !== JSON.stringify(w)),
      remove: config.whitelist === undefined ? [] : [...have.keys()].filter((u) => !lines.some((w) => w.user_id === u)).map((user_id) => ({ user_id }))
    }
    if (errors.length > 0) return yield* new ValidationFailed({ errors })
    const changes = settings.length + channels.link.length + channels.unlink.length + whitelist.add.length + whitelist.update.length + whitelist.remove.length
    return { settings, channels, whitelist, changes } satisfies ConfigDiff
  })

/** The preview: what applying `config` would change, and the state it was computed against (`base`). */
export const previewImport = (chatId: ChatId, config: GroupConfig) =>
  Effect.gen(function* () {
    const state = yield* current(chatId)
    const diff = yield* diffOf(state, config, yield* Clock.currentTimeMillis)
    return { base: fingerprint(state), diff }
  })

const plain = (html: string) => html.replace(/<[^>]+>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")

/**
 * Applies an import through the same services as the forms: settings through saveSettings (stale check,
 * audited diff), channels through GroupAdmin.unlink/link (BOT-13's checks), the whitelist through GroupAdmin.
 * New channels are checked with Telegram before anything changes, so a refused channel leaves the group as it
 * was. With `base`, a group changed since the preview is a 409. One more audit row holds the whole diff.
 */
export const applyImport = (chatId: ChatId, config: GroupConfig, base: string | undefined, context: AuditContext) =>
  Effect.gen(function* () {
    const state = yield* current(chatId)
    if (base !== undefined && base !== fingerprint(state)) {
      return yield* new Conflict({ resource: "group config", reason: "the group changed since the preview; preview the import again" })
    }
    const diff = yield* diffOf(state, config, yield* Clock.currentTimeMillis)
    if (diff.changes === 0) return diff
    if (diff.channels.link.length > 0) {
      const bot = yield* Effect.flatMap(TelegramApi, (t) => t.getMe())
      const resolver = yield* ChannelResolver
      const refused = yield* Effect.forEach(diff.channels.link, (c) =>
        resolver.resolve(String(c.chat_id), bot.id, bot.id).pipe(
          Effect.as(Option.none<FieldError>()),
          Effect.catchTag("ProtectRefused", (e) => {
            const at = (config.channels ?? []).findIndex((x) => x.chat_id === c.chat_id)
            return Effect.succeed(Option.some(new FieldError({ field: `/channels/${at}`, message: plain(e.reply) })))
          })
        ))
      const errors = refused.flatMap(Option.toArray)
      if (errors.length > 0) return yield* new ValidationFailed({ errors })
    }
    if (diff.settings.length > 0 && config.settings !== undefined) {
      yield* saveSettings(chatId, config.settings, Option.getOrUndefined(Option.map(state.settings, (s) => s.updatedAt)))
    }
    const admin = yield* GroupAdmin
    for (const c of diff.channels.unlink) yield* admin.unlink(chatId, ChannelId.make(c.chat_id), context)
    for (const c of diff.channels.link) yield* admin.link(chatId, String(c.chat_id), context)
    for (const w of [...diff.whitelist.add, ...diff.whitelist.update]) {
      yield* admin.addWhitelist(chatId, { userId: UserId.make(w.user_id), expiresAt: w.expires_at === null ? null : new Date(w.expires_at), reason: w.reason }, context)
    }
    for (const w of diff.whitelist.remove) yield* admin.removeWhitelist(chatId, UserId.make(w.user_id), context)
    yield* Effect.flatMap(AuditTrail, (t) =>
      t.record(context, {
        action: "group.config.import", resourceType: "group", resourceId: String(chatId),
        oldValue: {
          settings: Object.fromEntries(diff.settings.map((s) => [s.key, s.from])),
          channels: state.channels.map((c) => c.chatId),
          whitelist: state.whitelist.map((w) => w.userId)
        },
        newValue: { settings: Object.fromEntries(diff.settings.map((s) => [s.key, s.to])), channels: diff.channels, whitelist: diff.whitelist }
      }))
    return diff
  })
