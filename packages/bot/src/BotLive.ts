import { AppConfig, BreakerAlertsLive, EngineLive, Jobs, PostgresBreakerLive, TelegramLive, VerificationLog } from "@nezuko/core"
import { JobQueue } from "@nezuko/db"
import { Effect, Layer } from "effect"
import { BotIdentityLive } from "./BotIdentity.js"
import { BatchScanJobsLive } from "./runtime/BatchScanJobs.js"
import { features, type FeatureServices } from "./features/index.js"
import type { Feature } from "./runtime/Feature.js"
import { makeBotLayer } from "./runtime/BotRuntime.js"
import { BotStatusJobsLive, LeaderDutiesLive } from "./runtime/BotStatusJobs.js"
import { DeleteJobsLive } from "./runtime/DeleteJobs.js"
import { JobRegistry, makeJobRunner } from "./runtime/JobRunner.js"
import { LeaderDuties, LeaderLive } from "./runtime/Leader.js"
import { MemberSyncJobsLive, scheduleMemberSync } from "./runtime/MemberSyncJobs.js"
import { OutboxReplayLive } from "./runtime/OutboxReplay.js"
import { PollingLive } from "./runtime/Polling.js"
import { ReconcileJobsLive } from "./runtime/ReconcileJobs.js"
import { RetentionJobsLive, scheduleRetention } from "./runtime/RetentionJobs.js"
import { TimeoutJobsLive } from "./runtime/TimeoutJobs.js"
import { WebhookJobsLive, WebhookLive } from "./runtime/Webhook.js"

const Webhook = Layer.discard(WebhookLive)
type Intake = Layer.Layer<never, Layer.Layer.Error<typeof Webhook | typeof PollingLive>, Layer.Layer.Context<typeof Webhook | typeof PollingLive>>

/** Update intake for the `bot` role (OPS-1): the webhook (OPS-10) when BOT_MODE/WEBHOOK_URL say so, else polling (OPS-9). */
export const IntakeLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config): Intake => !config.roles.includes("bot") ? Layer.empty : config.webhookMode ? Webhook : PollingLive)
)

/** Every job kind this process can run (OPS-16): add the layer of a new kind here (`jobHandler(kind, schema, run)`). */
export const JobHandlersLive = Layer.mergeAll(DeleteJobsLive, TimeoutJobsLive, BotStatusJobsLive, BatchScanJobsLive, ReconcileJobsLive,
  MemberSyncJobsLive, RetentionJobsLive, WebhookJobsLive)

/** The `jobs` role (OPS-1): the durable job runner and the outbox replay. */
export const JobsRoleLive = Layer.unwrapEffect(
  Effect.map(AppConfig, (config) =>
    config.roles.includes("jobs")
      ? Layer.mergeAll(makeJobRunner(), OutboxReplayLive).pipe(Layer.provide(JobHandlersLive))
      : Layer.empty)
)

/** The leader's periodic duties (OPS-12, OPS-16): health checks and reconcile, then member_sync and retention. */
export const AllLeaderDutiesLive = Layer.effect(
  LeaderDuties,
  Effect.gen(function* () {
    const base = yield* LeaderDuties
    const context = yield* Effect.context<Jobs>()
    return [...base, Effect.provide(scheduleMemberSync, context), Effect.provide(scheduleRetention, context)]
  })
).pipe(Layer.provide(LeaderDutiesLive))

/**
 * The bot process's roles over one runtime: getMe (BOT-2), the grammY bot with `installed` features, the
 * intake, leader election with the heartbeat (OPS-12), the jobs role and the breaker alerts (LIM-12). Needs the
 * database and the KeyValueStore from the process graph. Every query below runs behind the `postgres` breaker
 * (PostgresBreakerLive), so an outage opens it and the intake stops taking updates until it closes (LIM-13).
 * Other feature lists are for measuring and testing the runtime itself (the bot benchmark's intake floor).
 */
export const makeBotLive = (installed: ReadonlyArray<Feature<FeatureServices>>) =>
  Layer.mergeAll(IntakeLive, Layer.discard(LeaderLive.pipe(Layer.provide(AllLeaderDutiesLive))), JobsRoleLive, BreakerAlertsLive).pipe(
    Layer.provide(makeBotLayer(installed)),
    Layer.provide(EngineLive),
    Layer.provide(BotIdentityLive),
    Layer.provide(Layer.mergeAll(VerificationLog.Default, Jobs.Default, JobRegistry.Default)),
    Layer.provide(JobQueue.Default),
    Layer.provide(PostgresBreakerLive),
    Layer.provide(TelegramLive)
  )

/** The bot process with every feature (`features`, in their order). */
export const BotLive = makeBotLive(features)
