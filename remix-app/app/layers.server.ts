import { AdminAuthLive, BaseLive, CacheLive, DatabaseLive } from "@nezuko/core"
import { AuditRepo, ChannelRepo, GroupRepo, SettingsRepo, VerificationLogRepo } from "@nezuko/db"
import { Layer } from "effect"

/** Repositories the pages read and write directly (the use-case services arrive with "Admin panel II"). */
const PageRepos = Layer.mergeAll(GroupRepo.Default, ChannelRepo.Default, SettingsRepo.Default, VerificationLogRepo.Default, AuditRepo.Default)

/** The panel's services over whatever infrastructure (database, cache, config and health) is given. */
export const panelServices = <E, R>(infrastructure: Layer.Layer<InfraOut, E, R>) =>
  Layer.mergeAll(AdminAuthLive, PageRepos).pipe(Layer.provideMerge(infrastructure))

type InfraOut = Layer.Layer.Success<typeof Infrastructure>

const Infrastructure = Layer.mergeAll(DatabaseLive, CacheLive).pipe(Layer.provideMerge(BaseLive("panel")))

/** The one layer graph of the panel process (CONVENTIONS §6): config, logging, Postgres, cache, auth. */
export const PanelLive = panelServices(Infrastructure)

export type PanelServices = Layer.Layer.Success<typeof PanelLive>
