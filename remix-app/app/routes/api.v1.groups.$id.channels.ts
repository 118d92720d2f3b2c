import { apiAction } from "../effect.server.js"
import { apiLinkChannel } from "../api/groupItem.server.js"

export const action = apiAction("update:group:any", apiLinkChannel, "group.channel.link")
