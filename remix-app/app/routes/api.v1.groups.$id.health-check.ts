import { apiAction } from "../effect.server.js"
import { apiHealthCheck } from "./_panel.groups.$chatId/maintenance.server.js"

export const action = apiAction("manage:members:any", apiHealthCheck, "group.health_check")
