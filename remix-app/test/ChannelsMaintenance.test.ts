import { PgliteTest } from "@nezuko/testing"
import { channelsMaintenanceSuite } from "./channelsMaintenanceSuite.js"

channelsMaintenanceSuite("channels and group maintenance over PGlite", PgliteTest)
