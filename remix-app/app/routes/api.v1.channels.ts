import { apiAction, apiLoader } from "../effect.server.js"
import { apiAddChannel, channelsApi } from "./_panel.channels._index/programs.server.js"

export const loader = apiLoader("read:panel:any", channelsApi)
export const action = apiAction("update:channel:any", apiAddChannel, "channel.create")
