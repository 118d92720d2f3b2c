import { apiLoader } from "../effect.server.js"
import { channelsApi } from "./_panel.channels._index/programs.server.js"

export const loader = apiLoader("read:panel:any", channelsApi)
