import { Effect } from "effect"
import { signOut } from "../auth.server.js"
import { publicApi } from "../effect.server.js"

/** POST /api/v1/auth/logout: revokes this sign-in and clears the cookies; 204. */
export const action = publicApi(Effect.as(signOut, new Response(null, { status: 204 })))
