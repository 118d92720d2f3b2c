import { type ChannelId, type ChatId, type DecisionKind, type Trigger, type UserId, VerificationDecision } from "@nezuko/domain"
import { Clock, Context, Effect, FiberRef, HashMap, Metric, MetricBoundaries, Option } from "effect"
import { AppConfig } from "./AppConfig.js"
import { isLogged, LogChat } from "./LogChat.js"
import { taggedBy, unsafeUpdateMetrics } from "./Metrics.js"
import { VerificationLog } from "./VerificationLog.js"

export interface DecisionFields {
  readonly groupId: ChatId
  readonly userId: UserId | null
  readonly senderChatId?: ChatId | null
  readonly trigger: Trigger
  readonly decision: DecisionKind
  readonly reason?: string | null
  readonly channelIds?: ReadonlyArray<ChannelId>
  readonly missingChannelIds?: ReadonlyArray<ChannelId>
  readonly cached?: boolean | null
  readonly startedAt?: number
  readonly errorCode?: string | null
}

export const decisionLatency = Metric.histogram(
  "nezuko_decision_latency_seconds",
  MetricBoundaries.fromIterable([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]),
  "From an update reaching the engine to its decision"
)
const latencyBy = taggedBy(decisionLatency, "cached")

/**
 * Writes one decision with the update's correlation id and this replica's id (BOT-51), and hands the ones
 * section 9's log chat shows to LogChat.
 */
export class Decisions extends Effect.Service<Decisions>()("@nezuko/core/Decisions", {
  effect: Effect.gen(function* () {
    const log = yield* VerificationLog
    const config = yield* AppConfig
    const logChat = yield* LogChat
    // One Effect step before the log's own: every decision comes through here, and a generator reading the
    // clock, the annotations and a metric one `yield*` at a time took a dozen (the bot bench's counted pass).
    const record = (fields: DecisionFields) =>
      Effect.withFiberRuntime<void>((fiber) => {
        const now = Context.get(fiber.currentDefaultServices, Clock.Clock).unsafeCurrentTimeMillis()
        if (fields.startedAt !== undefined) {
          unsafeUpdateMetrics(fiber, [[latencyBy(String(fields.cached === true)), Math.max(0, now - fields.startedAt) / 1000]])
        }
        const correlation = Option.getOrNull(Option.map(HashMap.get(fiber.getFiberRef(FiberRef.currentLogAnnotations), "correlation_id"), String))
        const written = log.record(new VerificationDecision({
          at: new Date(now),
          groupId: fields.groupId,
          userId: fields.userId,
          senderChatId: fields.senderChatId ?? null,
          trigger: fields.trigger,
          decision: fields.decision,
          reason: fields.reason ?? null,
          channelIds: fields.channelIds ?? [],
          missingChannelIds: fields.missingChannelIds ?? [],
          cached: fields.cached ?? null,
          latencyMs: fields.startedAt === undefined ? null : Math.max(0, Math.round(now - fields.startedAt)),
          errorCode: fields.errorCode ?? null,
          correlationId: correlation,
          instanceId: config.instanceId
          // Built from typed fields: the constructor's validation would only repeat what the compiler checked.
        }, true))
        if (fields.userId === null || !isLogged(fields.decision, fields.reason)) return written
        return Effect.zipRight(logChat.offer({
          groupId: fields.groupId, userId: fields.userId, decision: fields.decision, trigger: fields.trigger,
          reason: fields.reason ?? null, missingChannelIds: fields.missingChannelIds ?? []
        }), written)
      })
    return { record } as const
  })
}) {}
