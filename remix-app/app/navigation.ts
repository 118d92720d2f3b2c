import type { Permission } from "@nezuko/core"

/** PANEL-2's sidebar. Hiding an entry is cosmetic: every route checks its own permission (SEC-15). */
export const navigation: ReadonlyArray<{ readonly to: string; readonly label: string; readonly permission: Permission; readonly sandboxOnly?: boolean }> = [
  { to: "/dashboard", label: "Dashboard", permission: "read:panel:any" },
  { to: "/groups", label: "Groups", permission: "read:panel:any" },
  { to: "/channels", label: "Channels", permission: "read:panel:any" },
  { to: "/analytics", label: "Analytics", permission: "read:panel:any" },
  { to: "/logs", label: "Logs", permission: "read:logs:any" },
  { to: "/status", label: "Status", permission: "read:panel:any" },
  { to: "/audit", label: "Audit", permission: "read:audit:own" },
  { to: "/admins", label: "Admins", permission: "manage:admins:any" },
  { to: "/settings", label: "Settings", permission: "read:settings:any" },
  { to: "/account", label: "Account", permission: "update:account:own" },
  { to: "/sandbox", label: "Sandbox", permission: "use:sandbox:any", sandboxOnly: true }
]
