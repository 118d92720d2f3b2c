import { PgliteTest } from "@nezuko/testing"
import { groupsApiSuite } from "./groupsApiSuite.js"

groupsApiSuite("groups API over PGlite", PgliteTest)
