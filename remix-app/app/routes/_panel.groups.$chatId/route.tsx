import type { MetaFunction } from "@remix-run/node"
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react"
import { CsrfInput } from "../../components/CsrfInput.js"
import { effectAction, effectLoader } from "../../effect.server.js"
import { act } from "./actions.server.js"
import { ChannelsTab } from "./ChannelsTab.js"
import { DecisionsTab } from "./DecisionsTab.js"
import { type ImportPreview, MaintenanceTab } from "./MaintenanceTab.js"
import { MembersTab } from "./MembersTab.js"
import { OverviewTab } from "./OverviewTab.js"
import { show } from "./programs.server.js"
import { tabs } from "./tabs.js"
import { SettingsTab } from "./SettingsTab.js"

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.group.title ?? "Group"} · Nezuko` }]

export const loader = effectLoader("read:panel:any", show)
const auditNames: Record<string, string> = {
  enable: "group.enable", disable: "group.disable", link: "group.channel.link", unlink: "group.channel.unlink", release: "group.release",
  release_all: "group.release", whitelist_add: "group.whitelist.add", whitelist_remove: "group.whitelist.remove",
  scan: "group.scan", health_check: "group.health_check", import_preview: "group.config.import", import_apply: "group.config.import"
}
export const action = effectAction("update:group:any", act, (form) => auditNames[String(form.get("intent"))] ?? "group.settings.update")

const maintenanceIntents = new Set(["scan", "health_check", "import_preview", "import_apply"])
const tabLabels = { overview: "Overview", channels: "Channels", settings: "Settings", members: "Members", decisions: "Decisions", maintenance: "Maintenance" } as const
const rights = (g: { readonly botCanRestrict: boolean; readonly botCanDelete: boolean; readonly botCanInvite: boolean }) =>
  [["Ban users", g.botCanRestrict], ["Delete messages", g.botCanDelete], ["Invite users", g.botCanInvite]] as const

export default function GroupPage() {
  const { canEdit, canManage, channels, decisions, group, maintenance, members, notice, overview, saved, settings, tab } = useLoaderData<typeof loader>()
  const result = useActionData<{ readonly intent?: string; readonly errors?: ReadonlyArray<{ readonly field: string; readonly message: string }>; readonly preview?: ImportPreview }>()
  // A refused form (or an import preview) re-renders on its own tab, whatever the URL says.
  const shown = result?.intent === "settings" ? "settings" : result?.intent === "link" ? "channels" : result?.intent?.startsWith("whitelist") ? "members"
    : maintenanceIntents.has(result?.intent ?? "") ? "maintenance" : tab
  return (
    <section aria-labelledby="page-title">
      <header className="group-header">
        <div>
          <h1 id="page-title">{group.title}</h1>
          <p className="muted">
            {group.username ? `@${group.username} · ` : ""}<code>{group.chatId}</code> ·{" "}
            <span className={`pill pill-${group.enabled ? "protected" : "disabled"}`}>{group.enabled ? "protected" : "not protected"}</span>{" "}
            <span className={`pill pill-${group.health}`}>health {group.health}</span>
            {group.healthReason ? <span> — {group.healthReason}</span> : null}
          </p>
          <p className="muted">Bot: {group.botStatus ?? "unknown"} · {rights(group).map(([name, ok]) => <span key={name} className={ok ? "ok" : "missing"}>{ok ? "✓" : "✗"} {name} </span>)}</p>
        </div>
        {canEdit ? (
          <Form method="post">
            <CsrfInput />
            {group.enabled
              ? <button type="submit" name="intent" value="disable" className="secondary">Disable protection</button>
              : <button type="submit" name="intent" value="enable">Enable protection</button>}
          </Form>
        ) : null}
      </header>
      {notice ? <p className="notice" role="status">{notice}</p> : null}
      {result?.errors?.length && (result.intent === "enable" || result.intent === "disable") ? <p className="field-error" role="alert">{result.errors[0]?.message}</p> : null}
      <nav className="tabs" aria-label="Group sections">
        {tabs.map((t) => <Link key={t} to={`?tab=${t}`} aria-current={t === shown ? "page" : undefined}>{tabLabels[t]}</Link>)}
      </nav>
      {shown === "overview" && overview ? <OverviewTab group={group} overview={overview} /> : null}
      {shown === "channels" ? <ChannelsTab channels={channels} canEdit={canEdit} errors={result?.errors} /> : null}
      {shown === "settings" ? <SettingsTab settings={settings} errors={result?.errors} saved={saved} canEdit={canEdit} /> : null}
      {shown === "members" && members ? <MembersTab members={members} canManage={canManage} errors={result?.errors} /> : null}
      {shown === "decisions" && decisions ? <DecisionsTab decisions={decisions} /> : null}
      {shown === "maintenance" ? <MaintenanceTab chatId={group.chatId} maintenance={maintenance} canManage={canManage} errors={result?.errors} preview={result?.preview} /> : null}
    </section>
  )
}
