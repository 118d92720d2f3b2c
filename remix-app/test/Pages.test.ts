import { PgliteTest } from "@nezuko/testing"
import { pagesSuite } from "./pagesSuite.js"

pagesSuite("panel pages over PGlite", PgliteTest)
