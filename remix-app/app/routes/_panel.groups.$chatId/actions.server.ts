import { authorize } from "@nezuko/core"
import { ChannelIdFromString, type Conflict, type DatabaseUnavailable, type NotFound, SettingsValues, UserIdFromString, type ValidationFailed } from "@nezuko/domain"
import { data, redirect } from "@remix-run/node"
import { Effect, ParseResult, Schema } from "effect"
import { auditContext, formData } from "../../request.server.js"
import { GroupAdmin } from "../../services/GroupAdmin.server.js"
import { saveSettings } from "../../services/groupSettings.server.js"
import { fromForm } from "./fields.js"
import { applyImport, previewImport } from "./config.server.js"
import { decodeConfigText, requestHealthCheck, startScan } from "./maintenance.server.js"
import { groupOf } from "./programs.server.js"

const pointer = (path: ReadonlyArray<PropertyKey>) => `/${path.map(String).join("/")}`
const fieldErrors = (e: ParseResult.ParseError) =>
  ParseResult.ArrayFormatter.formatErrorSync(e).map((i) => ({ field: pointer(i.path), message: i.message }))

const ConfigText = Schema.Trim.pipe(Schema.minLength(1, { message: () => "paste or upload an exported configuration" }), Schema.maxLength(1_000_000))

/** The form's fields as strings; an uploaded configuration file stands in for the pasted text. */
const fieldsOf = (form: FormData) =>
  Effect.gen(function* () {
    const raw: Record<string, string> = Object.fromEntries([...form.entries()].filter(([k]) => k !== "_csrf").map(([k, v]) => [k, typeof v === "string" ? v : ""]))
    const file = form.get("config_file")
    if (file instanceof Blob && file.size > 0) raw.config = yield* Effect.promise(() => file.text())
    delete raw.config_file
    return raw
  })

const Intent = Schema.Union(
  Schema.Struct({ intent: Schema.Literal("enable", "disable") }),
  Schema.Struct({ intent: Schema.Literal("link"), channel: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(200)) }),
  Schema.Struct({ intent: Schema.Literal("unlink"), channel_id: ChannelIdFromString }),
  Schema.Struct({ intent: Schema.Literal("release"), user_id: UserIdFromString }),
  Schema.Struct({ intent: Schema.Literal("release_all") }),
  Schema.Struct({
    intent: Schema.Literal("whitelist_add"), user_id: UserIdFromString, reason: Schema.String.pipe(Schema.maxLength(200)),
    expires_days: Schema.Union(Schema.Literal(""), Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 3650)))
  }),
  Schema.Struct({ intent: Schema.Literal("whitelist_remove"), user_id: UserIdFromString }),
  Schema.Struct({ intent: Schema.Literal("scan", "health_check") }),
  Schema.Struct({ intent: Schema.Literal("import_preview"), config: ConfigText }),
  Schema.Struct({ intent: Schema.Literal("import_apply"), config: ConfigText, base: Schema.String.pipe(Schema.pattern(/^[0-9a-f]{16}$/)) })
)

/** PANEL-7's form (the default intent): field errors re-render with 400, a stale save is 409. */
const saveForm = (form: FormData) =>
  Effect.gen(function* () {
    const group = yield* groupOf
    const decoded = yield* Schema.decodeUnknown(SettingsValues)(fromForm(form), { errors: "all" }).pipe(Effect.either)
    if (decoded._tag === "Left") return data({ intent: "settings", errors: fieldErrors(decoded.left) }, { status: 400 })
    const expected = form.get("updated_at")
    const expectedAt = typeof expected === "string" && expected !== "" ? new Date(expected) : undefined
    yield* saveSettings(group.chatId, decoded.right, expectedAt)
    return redirect(`/groups/${group.chatId}?tab=settings&saved=1`, 303)
  })

const back = (chatId: number, tab: string, notice: string) =>
  redirect(`/groups/${chatId}?tab=${tab}&notice=${encodeURIComponent(notice)}`, 303)

/** Scan and re-check only enqueue a job for the bot; asking again while it waits is said, not refused. */
const queued = <R>(job: Effect.Effect<number, NotFound | Conflict | ValidationFailed | DatabaseUnavailable, R>, intent: string, chatId: number, notice: string) =>
  job.pipe(
    authorize("manage:members:any"),
    Effect.as(back(chatId, "maintenance", notice)),
    Effect.catchTags({
      ValidationFailed: (e) => Effect.succeed(data({ intent, errors: e.errors.map((x) => ({ field: x.field, message: x.message })) }, { status: 400 })),
      Conflict: (e) => Effect.succeed(back(chatId, "maintenance", `Nothing new queued: ${e.reason}.`))
    })
  )

/**
 * One action for the page, dispatching on `intent` (CONVENTIONS §8). The route's guard checked
 * update:group:any; member actions check manage:members:any as well. Refusals of the bot's checks
 * (ValidationFailed) re-render with 400 and the reason next to the field.
 */
export const act = Effect.gen(function* () {
  const form = yield* formData
  if (!form.has("intent")) return yield* saveForm(form)
  const group = yield* groupOf
  const raw = yield* fieldsOf(form)
  const decoded = yield* Schema.decodeUnknown(Intent)(raw, { errors: "all", onExcessProperty: "ignore" }).pipe(Effect.either)
  if (decoded._tag === "Left") return data({ intent: String(raw.intent ?? ""), errors: fieldErrors(decoded.left) }, { status: 400 })
  const admin = yield* GroupAdmin
  const ctx = yield* auditContext
  const input = decoded.right
  const refused = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.catchIf(effect, (e): e is Extract<E, { readonly _tag: "ValidationFailed" }> => e._tag === "ValidationFailed", (e) =>
      Effect.succeed(data({ intent: input.intent, errors: "errors" in e ? (e.errors as ReadonlyArray<{ field: string; message: string }>).map((x) => ({ field: x.field, message: x.message })) : [] }, { status: 400 })))
  switch (input.intent) {
    case "enable":
    case "disable": {
      const done = yield* refused(admin.setEnabled(group.chatId, input.intent === "enable", ctx))
      if (done instanceof Response || !("group" in done)) return done
      return back(group.chatId, "overview", input.intent === "enable" ? "Protection enabled." : `Protection disabled; ${done.released} member(s) being released.`)
    }
    case "link": {
      const done = yield* refused(admin.link(group.chatId, input.channel, ctx))
      if (!("chatId" in done)) return done
      return back(group.chatId, "channels", `Linked ${done.title}.`)
    }
    case "unlink":
      yield* admin.unlink(group.chatId, input.channel_id, ctx)
      return back(group.chatId, "channels", "Channel unlinked.")
    case "release":
    case "release_all": {
      const released = yield* admin.release(group.chatId, input.intent === "release" ? input.user_id : "all", ctx).pipe(authorize("manage:members:any"))
      return back(group.chatId, "members", `Released ${released} member(s).`)
    }
    case "whitelist_add": {
      const expiresAt = input.expires_days === "" ? null : new Date(Date.now() + input.expires_days * 86_400_000)
      yield* admin.addWhitelist(group.chatId, { userId: input.user_id, expiresAt, reason: input.reason }, ctx).pipe(authorize("manage:members:any"))
      return back(group.chatId, "members", `User ${input.user_id} whitelisted.`)
    }
    case "whitelist_remove":
      yield* admin.removeWhitelist(group.chatId, input.user_id, ctx).pipe(authorize("manage:members:any"))
      return back(group.chatId, "members", `User ${input.user_id} removed from the whitelist.`)
    case "scan":
      return yield* queued(startScan(group.chatId, ctx), "scan", group.chatId, "Scan queued: the bot checks recently seen members in the background.")
    case "health_check":
      return yield* queued(requestHealthCheck(group.chatId, ctx), "health_check", group.chatId, "Health check queued: the bot re-reads its rights in the group and its channels.")
    case "import_preview": {
      const preview = yield* refused(decodeConfigText(input.config).pipe(
        Effect.flatMap((config) => previewImport(group.chatId, config)),
        authorize("manage:members:any")
      ))
      if (!("diff" in preview)) return preview
      return data({ intent: "import_preview", preview: { ...preview, config: input.config } })
    }
    case "import_apply": {
      const applied = yield* refused(decodeConfigText(input.config).pipe(
        Effect.flatMap((config) => applyImport(group.chatId, config, input.base, ctx)),
        authorize("manage:members:any")
      )).pipe(
        Effect.catchTag("Conflict", (e) => Effect.succeed(data({ intent: "import_apply", errors: [{ field: "/", message: `Not imported: ${e.reason}.` }] }, { status: 409 })))
      )
      if (!("changes" in applied)) return applied
      return back(group.chatId, "maintenance", applied.changes === 0 ? "Nothing to import: the configuration is already in place." : `Imported: ${applied.changes} change(s) applied.`)
    }
  }
})
