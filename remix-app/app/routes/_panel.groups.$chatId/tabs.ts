/** The group page's tabs (PANEL-6), shared by the loader and the view. */
export const tabs = ["overview", "channels", "settings", "members", "decisions", "maintenance"] as const
export type Tab = (typeof tabs)[number]
