import { apiAction, apiLoader } from "../effect.server.js"
import { apiChannelWrite, apiGetChannel } from "./_panel.channels.$id/api.server.js"

export const loader = apiLoader("read:panel:any", apiGetChannel)
// A refused PATCH or DELETE is audited under one name: the guard sees the form, not the method.
export const action = apiAction("update:channel:any", apiChannelWrite, "channel.update")
