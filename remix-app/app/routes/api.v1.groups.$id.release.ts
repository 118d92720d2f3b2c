import { apiAction } from "../effect.server.js"
import { apiRelease } from "../api/groupItem.server.js"

export const action = apiAction("manage:members:any", apiRelease, "group.release")
