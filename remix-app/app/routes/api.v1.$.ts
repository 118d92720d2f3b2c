import { NotFound } from "@nezuko/domain"
import { Effect } from "effect"
import { publicApi } from "../effect.server.js"
import { RequestInfo } from "../request.server.js"

// Unknown API paths answer with a problem, not the HTML 404 page.
const notFound = publicApi(Effect.flatMap(RequestInfo, (info) => new NotFound({ resource: "endpoint", id: info.url.pathname })))
export const loader = notFound
export const action = notFound
