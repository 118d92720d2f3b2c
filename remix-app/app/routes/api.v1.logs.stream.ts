import { apiLoader } from "../effect.server.js"
import { logsStream } from "./_panel.logs/programs.server.js"

export const loader = apiLoader("read:logs:any", logsStream)
