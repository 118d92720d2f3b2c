import { PgliteTest } from "@nezuko/testing"
import { insightsSuite } from "./insightsSuite.js"

insightsSuite("analytics, logs, settings and sandbox over PGlite", PgliteTest)
