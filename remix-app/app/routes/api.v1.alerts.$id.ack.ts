import { apiAction } from "../effect.server.js"
import { operate } from "./_panel.status/programs.server.js"

export const action = apiAction("update:operations:any", operate("ack"), "alert.ack")
