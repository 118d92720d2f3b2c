import { PgliteTest } from "@nezuko/testing"
import { repositorySuite } from "./repoSuite.js"

repositorySuite("repositories on PGlite", PgliteTest)
