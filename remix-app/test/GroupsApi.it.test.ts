import { PgServerTest } from "@nezuko/testing"
import { groupsApiSuite } from "./groupsApiSuite.js"

groupsApiSuite("groups API over PostgreSQL", PgServerTest)
