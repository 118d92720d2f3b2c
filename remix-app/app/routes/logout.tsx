import { redirect } from "@remix-run/node"
import { Effect } from "effect"
import { signOut } from "../auth.server.js"
import { publicAction } from "../effect.server.js"

// GET never changes state (SEC-7): only the POST from the header's form signs out.
export const loader = () => redirect("/dashboard")

export const action = publicAction(Effect.as(signOut, redirect("/login", 303)))
