import { apiLoader } from "../effect.server.js"
import { analyticsApi } from "./_panel.analytics/programs.server.js"

// Reading a chart is read:panel:any; its CSV export is export:group:any (PANEL-18: every role).
export const loader = apiLoader("export:group:any", analyticsApi)
