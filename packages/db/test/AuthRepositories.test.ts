import { PgliteTest } from "@nezuko/testing"
import { authRepositorySuite } from "./authRepoSuite.js"

authRepositorySuite("auth repositories on PGlite", PgliteTest)
