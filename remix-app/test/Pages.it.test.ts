import { PgServerTest } from "@nezuko/testing"
import { pagesSuite } from "./pagesSuite.js"

pagesSuite("panel pages over PostgreSQL", PgServerTest)
