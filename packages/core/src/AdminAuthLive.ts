import { AdminUserRepo, AlertRepo, AuditRepo, LoginAttemptRepo, RefreshTokenRepo } from "@nezuko/db"
import { Layer } from "effect"
import { AdminAccounts } from "./AdminAccounts.js"
import { AdminLogin } from "./AdminLogin.js"
import { AdminSessions } from "./AdminSessions.js"
import { AuditTrail } from "./AuditTrail.js"
import { Csrf } from "./Csrf.js"
import { LoginThrottle } from "./LoginThrottle.js"
import { Passwords } from "./Passwords.js"
import { Tokens } from "./Tokens.js"

const Repos = Layer.mergeAll(AdminUserRepo.Default, RefreshTokenRepo.Default, LoginAttemptRepo.Default, AlertRepo.Default, AuditRepo.Default)
const Primitives = Layer.mergeAll(Passwords.Default, Tokens.Default, Csrf.Default, LoginThrottle.Default, AuditTrail.Default)
  .pipe(Layer.provideMerge(Repos))

/**
 * Panel authentication for the panel and the CLI (SEC-1 to SEC-8, SEC-14). Needs AppConfig, SqlClient and
 * KeyValueStore from the process's infrastructure.
 */
export const AdminAuthLive = Layer.mergeAll(AdminLogin.Default, AdminAccounts.Default).pipe(
  Layer.provideMerge(AdminSessions.Default.pipe(Layer.provideMerge(Primitives)))
)
