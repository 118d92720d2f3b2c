import type { SqlClient } from "@effect/sql"
import { AdminAuthLive, type AppConfig, BaseLive, type CacheEvents, CacheLive, DatabaseLive, type Health, type KeyValueStore, type LogRing } from "@nezuko/core"
import {
  AdminManagementRepo, AdminUserRepo, AlertRepo, AnalyticsRepo, AppSettingsRepo, AuditListRepo, AuditRepo, ChannelListRepo, ChannelRepo, DashboardStatsRepo, DecisionLogRepo, GroupListRepo,
  GroupRepo, OperationsRepo, RestrictionRepo, SettingsRepo, VerificationLogRepo, WhitelistRepo
} from "@nezuko/db"
import { Layer } from "effect"
import { PanelEngineLive } from "./engine.server.js"
import { GroupAdmin } from "./services/GroupAdmin.server.js"
import { HourlyRollupLive } from "./services/rollup.server.js"

/** Repositories the pages read directly (lists, cards); writes go through the use-case services. */
const PageRepos = Layer.mergeAll(
  GroupRepo.Default, ChannelRepo.Default, SettingsRepo.Default, VerificationLogRepo.Default, AuditRepo.Default,
  GroupListRepo.Default, DashboardStatsRepo.Default, AlertRepo.Default, DecisionLogRepo.Default, RestrictionRepo.Default, WhitelistRepo.Default,
  AuditListRepo.Default, AdminManagementRepo.Default, AdminUserRepo.Default, OperationsRepo.Default, ChannelListRepo.Default, AnalyticsRepo.Default, AppSettingsRepo.Default
)

/** What the panel needs from the process: configuration, readiness, the database, the cache (with nz:inv) and the log ring. */
export type PanelInfrastructure = AppConfig | Health | SqlClient.SqlClient | KeyValueStore | CacheEvents | LogRing

const services = Layer.mergeAll(PageRepos, GroupAdmin.Default.pipe(Layer.provideMerge(PanelEngineLive))).pipe(Layer.provideMerge(AdminAuthLive))

/** The panel's services over whatever infrastructure is given (the process's, or PGlite in tests). */
export const panelServices = <E, R>(infrastructure: Layer.Layer<PanelInfrastructure, E, R>) =>
  services.pipe(Layer.provideMerge(infrastructure))

export type PanelServices = Layer.Layer.Success<typeof services> | PanelInfrastructure

/** The one layer graph of the panel process (CONVENTIONS §6): config, logging, Postgres, cache, auth, engine. */
export const PanelLive = panelServices(Layer.mergeAll(DatabaseLive, CacheLive).pipe(Layer.provideMerge(BaseLive("panel"))))

/** The process's panel graph plus its background work: the hourly rollup (tests use panelServices alone). */
export const withBackgroundWork = <E, R>(layer: Layer.Layer<PanelServices, E, R>) => Layer.merge(layer, HourlyRollupLive.pipe(Layer.provide(layer)))
