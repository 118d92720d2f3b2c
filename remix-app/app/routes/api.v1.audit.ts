import { apiLoader } from "../effect.server.js"
import { auditApi } from "./_panel.audit/programs.server.js"

export const loader = apiLoader("read:audit:own", auditApi)
