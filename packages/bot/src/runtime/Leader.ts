import { AppConfig, Health, TelegramApi } from "@nezuko/core"
import { Context, Duration, Effect, Layer, Option, Redacted, Schedule, Stream } from "effect"
import { type AdvisoryLock, holdAdvisoryLock } from "./AdvisoryLock.js"
import { makeInstances } from "./Instances.js"
import { AllowedUpdates } from "./Updates.js"

export const leaderLockName = "nezuko-leader"

/** BOT-2: three scopes, in this order. */
export const commandMenus = [
  {
    scope: { type: "all_private_chats" },
    commands: [
      { command: "start", description: "Welcome and setup" },
      { command: "help", description: "Requirements, commands, troubleshooting" }
    ]
  },
  { scope: { type: "all_group_chats" }, commands: [{ command: "help", description: "How Nezuko works here" }] },
  {
    scope: { type: "all_chat_administrators" },
    commands: [
      { command: "protect", description: "Require channels: /protect @channel" },
      { command: "unprotect", description: "Turn protection off, or drop one channel" },
      { command: "status", description: "Protection, rights and counts" },
      { command: "settings", description: "Behaviour settings" },
      { command: "whitelist", description: "Exempt members" },
      { command: "release", description: "Lift Nezuko's restriction now" },
      { command: "help", description: "Requirements, commands, troubleshooting" }
    ]
  }
] as const

/** Long-running work only the leader does (BOT-45's health-check schedule); optional, so tests may leave it out. */
export class LeaderDuties extends Context.Tag("@nezuko/bot/LeaderDuties")<LeaderDuties, ReadonlyArray<Effect.Effect<void>>>() {}

/** This replica's view of the leader election (OPS-12). */
export class Leadership extends Context.Tag("@nezuko/bot/Leadership")<Leadership, AdvisoryLock>() {}

const dutyRetry = Schedule.exponential("1 second").pipe(Schedule.union(Schedule.spaced("1 minute")))
const webhookCheckEvery = Duration.minutes(5)

/**
 * Leader election via the advisory lock `nezuko-leader` on a dedicated connection (OPS-12). The leader
 * registers the command menus (BOT-2), schedules the health checks (BOT-45) and, in webhook mode, the webhook (OPS-10); every replica writes its
 * `bot_instances` heartbeat every 15 s and the leader removes rows silent for 24 h (DATA-20). Leadership and
 * mode are shown on /readyz.
 */
export const LeaderLive = Layer.scoped(
  Leadership,
  Effect.gen(function* () {
    const config = yield* AppConfig
    const telegram = yield* TelegramApi
    const health = yield* Health
    const instances = yield* makeInstances
    const mode = config.webhookMode ? "webhook" : "polling"
    const duties = Option.getOrElse(yield* Effect.serviceOption(LeaderDuties), () => [])

    yield* instances.refuseSecondReplicaWithoutRedis
    const lock = yield* holdAdvisoryLock(leaderLockName, { local: config.embeddedDatabase })
    const state = Effect.map(lock.isHeld, (isLeader) => ({ mode, isLeader, info: { roles: config.roles } }))
    yield* Effect.flatMap(state, instances.beat).pipe(Effect.catchAll((e) => Effect.logWarning("first heartbeat failed", e)))

    const url = Option.map(config.webhookUrl, (base) => `${base.href.replace(/\/+$/, "")}${config.webhookPath}`)

    const setCommands = Effect.forEach(commandMenus, (menu) => telegram.setMyCommands({ scope: menu.scope, commands: menu.commands }), {
      discard: true
    })

    const setWebhook = (target: string) =>
      Option.match(config.webhookSecret, {
        onNone: () => Effect.dieMessage("WEBHOOK_SECRET is required in webhook mode"),
        onSome: (secret) =>
          telegram.setWebhook({
            url: target,
            secret_token: Redacted.value(secret),
            allowed_updates: AllowedUpdates,
            max_connections: config.webhookMaxConnections,
            drop_pending_updates: false
          })
      })

    // The secret cannot be read back, so a newly elected leader always sets the webhook once (a rotated
    // WEBHOOK_SECRET takes effect); afterwards it is set again only when getWebhookInfo differs.
    const webhookDiffers = (target: string) =>
      Effect.map(telegram.getWebhookInfo(), (info) =>
        info.url !== target ||
        info.max_connections !== config.webhookMaxConnections ||
        JSON.stringify(info.allowed_updates ?? []) !== JSON.stringify(AllowedUpdates))

    const keepWebhook = (target: string) =>
      setWebhook(target).pipe(
        Effect.zipRight(Effect.logInfo(`webhook registered at ${target}`)),
        Effect.retry(dutyRetry),
        Effect.zipRight(
          Effect.gen(function* () {
            if (!(yield* webhookDiffers(target))) return
            yield* Effect.logWarning("the registered webhook differs from the configuration; setting it again")
            yield* setWebhook(target)
          }).pipe(
            Effect.catchAll((e) => Effect.logWarning("webhook check failed", e)),
            Effect.repeat(Schedule.spaced(webhookCheckEvery))
          )
        )
      )

    const lead = Effect.gen(function* () {
      yield* Effect.logInfo(`this replica is the leader (${config.instanceId})`).pipe(Effect.annotateLogs("event", "leader.elected"))
      yield* health.setInfo("leader", { is_leader: true, instance: config.instanceId })
      yield* Effect.flatMap(state, instances.beat).pipe(Effect.ignore)
      yield* setCommands.pipe(
        Effect.tap(() => Effect.logInfo("command menus registered for 3 scopes (BOT-2)")),
        Effect.tapError((e) => Effect.logWarning("setMyCommands failed; retrying", e)),
        Effect.retry(dutyRetry)
      )
      yield* instances.removeDead.pipe(Effect.ignore)
      // Duties that last as long as the leadership: BOT-45's health checks and, in webhook mode, the webhook.
      yield* Effect.all([...duties, ...(config.webhookMode && Option.isSome(url) ? [keepWebhook(url.value)] : [])], {
        concurrency: "unbounded", discard: true
      })
    })
    const follow = health.setInfo("leader", { is_leader: false, instance: config.instanceId }).pipe(
      Effect.zipRight(Effect.flatMap(state, instances.beat).pipe(Effect.ignore))
    )

    // A lost election interrupts the leader's duties at once (switch).
    yield* lock.changes.pipe(
      Stream.changes,
      Stream.flatMap((isLeader) => Stream.fromEffect(isLeader ? lead : follow), { switch: true }),
      Stream.runDrain,
      Effect.forkScoped
    )
    yield* Effect.forkScoped(instances.heartbeatLoop(state))
    yield* Effect.addFinalizer(() =>
      Effect.flatMap(state, (s) => instances.beat({ ...s, isLeader: false })).pipe(Effect.ignore))
    return lock
  })
)
