import type { AdminReleases } from "@nezuko/core"
import type { ChannelEvents, ChatAdmins, ChatSettings, Enforcement, GroupDirectory, GroupProtection, Jobs, KeyValueStore, MemberChanges, TelegramApi, Verification } from "@nezuko/core"
import type { BotStatus, GroupMigration, JoinRequests } from "@nezuko/core"
import type { RestrictionRepo } from "@nezuko/db"
import type { BotIdentity } from "../BotIdentity.js"

/** What my features' effects may use; BotLive provides them through EngineLive. */
export type EngineFeatureServices =
  | TelegramApi
  | KeyValueStore
  | Enforcement
  | ChannelEvents
  | Verification
  | GroupProtection
  | RestrictionRepo
  | MemberChanges
  | ChatSettings
  | ChatAdmins
  | GroupDirectory
  | Jobs
  | BotIdentity
  | AdminReleases
  | BotStatus
  | JoinRequests
  | GroupMigration
