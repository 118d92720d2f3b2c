import { apiAction, apiLoader } from "../effect.server.js"
import { apiGetGroup, apiPatchGroup } from "../api/groupItem.server.js"

export const loader = apiLoader("read:panel:any", apiGetGroup)
export const action = apiAction("update:group:any", apiPatchGroup, "group.enable")
