import { PgServerTest } from "@nezuko/testing"
import { repositorySuite } from "./repoSuite.js"

repositorySuite("repositories on PostgreSQL", PgServerTest)
