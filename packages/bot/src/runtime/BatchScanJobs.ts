import { BatchScan, batchScanKind } from "@nezuko/core"
import { ChatId } from "@nezuko/domain"
import { Effect, Schema } from "effect"
import { jobHandler } from "./JobRunner.js"

const BatchScanPayload = Schema.Struct({ group_id: Schema.Number.pipe(Schema.int()) })

/** BOT-48's `batch_scan` kind: the scan resumes from the cursor its last page stored; the summary is the result. */
export const BatchScanJobsLive = jobHandler(batchScanKind, BatchScanPayload, (payload, job) =>
  Effect.flatMap(BatchScan, (scan) => scan.scan(ChatId.make(payload.group_id), job.id)))
