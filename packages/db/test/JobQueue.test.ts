import { PgliteTest } from "@nezuko/testing"
import { jobQueueSuite } from "./jobQueueSuite.js"

jobQueueSuite("JobQueue on PGlite", PgliteTest)
