import { PgServerTest } from "@nezuko/testing"
import { authRepositorySuite } from "./authRepoSuite.js"

authRepositorySuite("auth repositories on PostgreSQL", PgServerTest)
