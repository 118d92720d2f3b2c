import { apiAction, apiLoader } from "../effect.server.js"
import { apiGetSettings, apiPutSettings } from "../api/groupItem.server.js"

export const loader = apiLoader("read:panel:any", apiGetSettings)
export const action = apiAction("update:group:any", apiPutSettings, "group.settings.update")
