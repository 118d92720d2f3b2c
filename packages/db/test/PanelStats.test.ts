import { PgliteTest } from "@nezuko/testing"
import { panelStatsSuite } from "./panelStatsSuite.js"

panelStatsSuite("panel statistics on PGlite", PgliteTest)
