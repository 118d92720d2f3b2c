import { apiAction } from "../effect.server.js"
import { apiImport } from "./_panel.groups.$chatId/maintenance.server.js"

export const action = apiAction("manage:members:any", apiImport, "group.config.import")
