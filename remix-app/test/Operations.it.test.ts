import { PgServerTest } from "@nezuko/testing"
import { operationsSuite } from "./operationsSuite.js"

operationsSuite("audit, admins, status and channels over PostgreSQL", PgServerTest)
