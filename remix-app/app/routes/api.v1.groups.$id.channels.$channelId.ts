import { apiAction } from "../effect.server.js"
import { apiUnlinkChannel } from "../api/groupItem.server.js"

export const action = apiAction("update:group:any", apiUnlinkChannel, "group.channel.unlink")
