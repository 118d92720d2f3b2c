import { PgliteTest } from "@nezuko/testing"
import { panelSuite } from "./panelSuite.js"

panelSuite("panel over PGlite", PgliteTest)
