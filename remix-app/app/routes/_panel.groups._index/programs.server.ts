import { can, CurrentAdmin } from "@nezuko/core"
import { ChatIdFromString } from "@nezuko/domain"
import { redirect } from "@remix-run/node"
import { Effect, Schema } from "effect"
import { groupRowJson, listGroups } from "../../api/groups.server.js"
import { decodeQueryOrDefaults, GroupListParams, pageMeta } from "../../api/listQuery.server.js"
import { auditContext, formData, RequestInfo } from "../../request.server.js"
import { GroupAdmin } from "../../services/GroupAdmin.server.js"

export const list = Effect.gen(function* () {
  const { url } = yield* RequestInfo
  const me = yield* CurrentAdmin
  const { errors, value: params } = yield* decodeQueryOrDefaults(GroupListParams)
  const { rows, total } = yield* listGroups(params)
  return {
    rows: rows.map(groupRowJson),
    meta: pageMeta(params.page, params.per_page, total),
    params,
    errors,
    canEdit: can(me.role, "update:group:any"),
    bulk: url.searchParams.get("bulk")
  }
})

const BulkForm = Schema.Struct({
  intent: Schema.Literal("enable", "disable"),
  ids: Schema.Array(ChatIdFromString).pipe(Schema.minItems(1), Schema.maxItems(100))
})

/** PANEL-5's bulk enable/disable: each group through the same service as the API, each audited. */
export const bulk = Effect.gen(function* () {
  const form = yield* formData
  const { url } = yield* RequestInfo
  const back = new URLSearchParams(String(form.get("back") ?? ""))
  const decoded = yield* Schema.decodeUnknown(BulkForm)({ intent: form.get("intent"), ids: form.getAll("ids") }).pipe(Effect.either)
  if (decoded._tag === "Left") {
    back.set("bulk", "Select at least one group.")
    return redirect(`${url.pathname}?${back.toString()}`, 303)
  }
  const admin = yield* GroupAdmin
  const context = yield* auditContext
  const enabled = decoded.right.intent === "enable"
  let changed = 0
  let refused = 0
  for (const id of decoded.right.ids) {
    const result = yield* admin.setEnabled(id, enabled, context).pipe(Effect.either)
    if (result._tag === "Right") changed++
    else if (result.left._tag === "ValidationFailed" || result.left._tag === "NotFound") refused++
    else return yield* result.left
  }
  back.set("bulk", `${enabled ? "Enabled" : "Disabled"} ${changed} group${changed === 1 ? "" : "s"}${refused > 0 ? `; ${refused} skipped (no linked channel or not found)` : ""}.`)
  return redirect(`${url.pathname}?${back.toString()}`, 303)
})
