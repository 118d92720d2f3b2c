import { PgServerTest } from "@nezuko/testing"
import { logPartitionSuite } from "./logPartitionsSuite.js"

logPartitionSuite("verification_log partitions on PostgreSQL", PgServerTest)
