import { PgServerTest } from "@nezuko/testing"
import { panelStatsSuite } from "./panelStatsSuite.js"

panelStatsSuite("panel statistics on PostgreSQL", PgServerTest)
