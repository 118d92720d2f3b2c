import { apiLoader } from "../effect.server.js"
import { statusPage } from "./_panel.status/programs.server.js"

export const loader = apiLoader("read:panel:any", statusPage)
