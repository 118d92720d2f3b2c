import { PgServerTest } from "@nezuko/testing"
import { panelSuite } from "./panelSuite.js"

panelSuite("panel over PostgreSQL", PgServerTest)
