import { Effect, Schema } from "effect"
import { decodeQuery, decodeQueryOrDefaults } from "../../api/listQuery.server.js"
import { RequestInfo } from "../../request.server.js"
import { logFilter, logStream, recentLogs } from "../../services/logRing.server.js"

export const LogParams = Schema.Struct({
  level: Schema.optionalWith(Schema.Literal("trace", "debug", "info", "warn", "error", "fatal"), { default: () => "info" as const }),
  q: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(200)), { default: () => "" })
})

/** The page: the last 200 matching entries, server-rendered, so it is useful before (or without) the stream. */
export const logsPage = Effect.gen(function* () {
  const { errors, value } = yield* decodeQueryOrDefaults(LogParams)
  return { errors, params: value, entries: yield* recentLogs(logFilter(value.level, value.q)) }
})

/** GET /api/v1/logs/stream?level=&q= (PANEL-12). */
export const logsStream = Effect.gen(function* () {
  const { request } = yield* RequestInfo
  const params = yield* decodeQuery(LogParams)
  return new Response(yield* logStream(logFilter(params.level, params.q), request.signal), {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", "x-accel-buffering": "no" }
  })
})
