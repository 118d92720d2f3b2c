import { PgServerTest } from "@nezuko/testing"
import { jobQueueSuite } from "./jobQueueSuite.js"

jobQueueSuite("JobQueue on PostgreSQL", PgServerTest)
