import { apiAction, apiLoader } from "../effect.server.js"
import { apiGetWhitelist, apiWhitelistWrite } from "../api/groupItem.server.js"

export const loader = apiLoader("read:panel:any", apiGetWhitelist)
export const action = apiAction("manage:members:any", apiWhitelistWrite, "group.whitelist")
