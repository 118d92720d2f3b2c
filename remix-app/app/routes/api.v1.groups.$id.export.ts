import { apiLoader } from "../effect.server.js"
import { apiExport } from "./_panel.groups.$chatId/maintenance.server.js"

export const loader = apiLoader("export:group:any", apiExport)
