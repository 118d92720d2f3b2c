import { apiLoader } from "../effect.server.js"
import { apiListGroups } from "../api/groups.server.js"

export const loader = apiLoader("read:panel:any", apiListGroups)
