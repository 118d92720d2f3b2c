import {
  AlertRepo, AuditRepo, ChannelRepo, GroupRepo, JoinRequestRepo, MemberRepo, RestrictionRepo, SettingsRepo, VerificationLogRepo, WhitelistRepo
} from "@nezuko/db"
import { Layer } from "effect"
import { AdminReleases } from "./AdminReleases.js"
import { BatchScan } from "./BatchScan.js"
import { BotStatus } from "./BotStatus.js"
import { ChannelEvents } from "./ChannelEvents.js"
import { ChatAdmins } from "./ChatAdmins.js"
import { ChatSettings } from "./ChatSettings.js"
import { Decisions } from "./Decisions.js"
import { Enforcement } from "./Enforcement.js"
import { GroupDirectory } from "./GroupDirectory.js"
import { GroupMigration } from "./GroupMigration.js"
import { GroupPermissions } from "./GroupPermissions.js"
import { GroupProtection } from "./GroupProtection.js"
import { GroupRelease } from "./GroupRelease.js"
import { JoinRequests } from "./JoinRequests.js"
import { LogChat } from "./LogChat.js"
import { MemberChanges } from "./MemberChanges.js"
import { Membership } from "./Membership.js"
import { Outbox } from "./Outbox.js"
import { ChannelResolver } from "./ProtectChecks.js"
import { PromptCoalescer } from "./PromptCoalescer.js"
import { Protection } from "./Protection.js"
import { Reconciler, UnmuteRetries } from "./Reconcile.js"
import { RestrictRetries } from "./RestrictRetries.js"
import { Restrictor } from "./Restrictor.js"
import { Timeouts } from "./Timeouts.js"
import { UserFlags } from "./UserFlags.js"
import { Verification } from "./Verification.js"

/** The repositories the engine reads and writes (each needs the SqlClient). */
export const EngineReposLive = Layer.mergeAll(
  GroupRepo.Default, ChannelRepo.Default, SettingsRepo.Default, RestrictionRepo.Default, MemberRepo.Default,
  WhitelistRepo.Default, AuditRepo.Default, JoinRequestRepo.Default, VerificationLogRepo.Default, AlertRepo.Default
)

const CachesLive = Layer.mergeAll(GroupDirectory.Default, ChatAdmins.Default, GroupPermissions.Default, Membership.Default, UserFlags.Default)

/**
 * The enforcement engine's services over the infrastructure the process provides once: TelegramApi,
 * KeyValueStore, SqlClient, AppConfig, VerificationLog and Jobs. The bot's features and the panel use the same layer.
 */
export const EngineLive = Layer.mergeAll(
  Enforcement.Default, ChannelEvents.Default, GroupProtection.Default, MemberChanges.Default, ChatSettings.Default, Timeouts.Default, AdminReleases.Default,
  BotStatus.Default
).pipe(
  Layer.provideMerge(Layer.mergeAll(BatchScan.Default, Reconciler.Default, GroupRelease.Default, RestrictRetries.Default)),
  Layer.provideMerge(Layer.mergeAll(Verification.Default, Restrictor.Default, ChannelResolver.Default, JoinRequests.Default)),
  Layer.provideMerge(UnmuteRetries.Default),
  Layer.provideMerge(Layer.mergeAll(Protection.Default, Decisions.Default, PromptCoalescer.Default, GroupMigration.Default)),
  Layer.provideMerge(Layer.mergeAll(Outbox.Default, LogChat.Default)),
  Layer.provideMerge(CachesLive),
  Layer.provideMerge(EngineReposLive)
)
