import { PgServerTest } from "@nezuko/testing"
import { channelsMaintenanceSuite } from "./channelsMaintenanceSuite.js"

channelsMaintenanceSuite("channels and group maintenance over PostgreSQL", PgServerTest)
