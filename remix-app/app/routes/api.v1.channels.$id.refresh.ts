import { apiAction } from "../effect.server.js"
import { apiRefreshChannel } from "./_panel.channels.$id/api.server.js"

export const action = apiAction("update:channel:any", apiRefreshChannel, "channel.refresh")
