import { groupSorts } from "@nezuko/db"
import { Effect, Schema } from "effect"
import { ArrayFormatter, type ParseError } from "effect/ParseResult"
import { RequestInfo } from "../request.server.js"

export const perPageChoices = [10, 25, 50, 100] as const

const IntFromString = Schema.NumberFromString.pipe(Schema.int())
const PerPage = IntFromString.pipe(Schema.filter((n) => (perPageChoices as ReadonlyArray<number>).includes(n), { message: () => "must be one of 10, 25, 50, 100" }))
const withDefault = <S extends Schema.Schema.Any>(schema: S, value: () => Schema.Schema.Type<S>) =>
  Schema.optionalWith(schema, { default: value })

/** The PANEL-5 paging fields shared by every list (groups, channels, audit, decisions). */
export const pagingFields = {
  page: withDefault(IntFromString.pipe(Schema.greaterThanOrEqualTo(1), Schema.lessThanOrEqualTo(1_000_000)), () => 1),
  per_page: withDefault(PerPage, () => 25),
  order: withDefault(Schema.Literal("asc", "desc"), () => "desc" as const)
}

/** PANEL-5's groups list parameters, decoded from the query string. */
export const GroupListParams = Schema.Struct({
  ...pagingFields,
  sort: withDefault(Schema.Literal(...groupSorts), () => "created_at" as const),
  status: withDefault(Schema.Literal("all", "protected", "disabled", "removed"), () => "all" as const),
  health: withDefault(Schema.Literal("any", "ok", "degraded", "broken"), () => "any" as const),
  q: withDefault(Schema.String.pipe(Schema.maxLength(100)), () => "")
})
export type GroupListParams = typeof GroupListParams.Type

/** The query string as a plain object (the first value of each key). */
export const searchObject = Effect.map(RequestInfo, (info) => {
  const out: Record<string, string> = {}
  for (const [k, v] of info.url.searchParams) if (!(k in out) && v !== "") out[k] = v
  return out
})

/** Decodes the query string; a ParseError maps to 422 VAL_001 with JSON pointers (SEC-11). */
export const decodeQuery = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(searchObject, (raw) => Schema.decodeUnknown(schema)(raw, { errors: "all", onExcessProperty: "ignore" }))

/** For pages: invalid parameters are shown and the defaults apply (PANEL-5). */
export const decodeQueryOrDefaults = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(searchObject, (raw) =>
    Schema.decodeUnknown(schema)(raw, { errors: "all", onExcessProperty: "ignore" }).pipe(
      Effect.map((value) => ({ value, errors: [] as ReadonlyArray<{ readonly field: string; readonly message: string }> })),
      Effect.catchTag("ParseError", (e) =>
        Effect.map(Schema.decodeUnknown(schema)({}), (value) => ({
          value,
          errors: formatIssues(e)
        })))
    ))

const formatIssues = (e: ParseError) =>
  ArrayFormatter.formatErrorSync(e).map((i) => ({ field: `/${i.path.map(String).join("/")}`, message: i.message }))

export const pageMeta = (page: number, perPage: number, total: number) => ({
  page, per_page: perPage, total_items: total, total_pages: Math.max(1, Math.ceil(total / perPage))
})
