import { apiLoader } from "../effect.server.js"
import { dashboard } from "./_panel.dashboard/programs.server.js"

/** GET /api/v1/stats/dashboard: the dashboard's cards, chart, feed and alerts as JSON (PANEL-17). */
export const loader = apiLoader("read:panel:any", dashboard)
