import { apiAction } from "../effect.server.js"
import { apiScan } from "./_panel.groups.$chatId/maintenance.server.js"

export const action = apiAction("manage:members:any", apiScan, "group.scan")
