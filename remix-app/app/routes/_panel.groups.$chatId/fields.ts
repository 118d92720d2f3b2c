/** How each BOT-18 key is edited in the group settings form (PANEL-7); shared by the view and the decoder. */
export type FieldSpec =
  | { readonly key: string; readonly label: string; readonly kind: "boolean" }
  | { readonly key: string; readonly label: string; readonly kind: "choice"; readonly options: ReadonlyArray<string> }
  | { readonly key: string; readonly label: string; readonly kind: "int"; readonly min: number; readonly max: number; readonly unit: string }
  | { readonly key: string; readonly label: string; readonly kind: "text"; readonly max: number; readonly nullable: boolean }
  | { readonly key: string; readonly label: string; readonly kind: "chat" }

export const settingsFields: ReadonlyArray<FieldSpec> = [
  { key: "verifyOnJoin", label: "Verify new members when they join", kind: "boolean" },
  { key: "enforcementMode", label: "Enforcement", kind: "choice", options: ["mute", "delete_only"] },
  { key: "deleteUnverifiedMessages", label: "Delete messages of unverified members", kind: "boolean" },
  { key: "muteHours", label: "Mute length", kind: "int", min: 1, max: 8784, unit: "hours" },
  { key: "timeoutAction", label: "When the timeout passes", kind: "choice", options: ["mute", "kick", "ban"] },
  { key: "timeoutMinutes", label: "Timeout", kind: "int", min: 1, max: 1440, unit: "minutes" },
  { key: "escalateAfter", label: "Escalate to a ban after", kind: "int", min: 0, max: 10, unit: "kicks (0 = never)" },
  { key: "banDays", label: "Ban length", kind: "int", min: 0, max: 365, unit: "days (0 = forever)" },
  { key: "promptTtlSeconds", label: "Delete prompts after", kind: "int", min: 30, max: 3600, unit: "seconds" },
  { key: "adminReplyTtlSeconds", label: "Delete admin replies after", kind: "int", min: 0, max: 3600, unit: "seconds" },
  { key: "channelIdentityPolicy", label: "Posts as a channel", kind: "choice", options: ["block", "allow"] },
  { key: "banChannelIdentities", label: "Ban channel identities that post", kind: "boolean" },
  { key: "trustAdminAdded", label: "Trust members added by admins", kind: "boolean" },
  { key: "onLeave", label: "When a member leaves a channel", kind: "choice", options: ["restrict", "lazy"] },
  { key: "onCheckError", label: "When a check fails", kind: "choice", options: ["allow", "restrict"] },
  { key: "joinGate", label: "Gate join requests", kind: "boolean" },
  { key: "joinRequestTimeoutMinutes", label: "Join-request timeout", kind: "int", min: 1, max: 1440, unit: "minutes" },
  { key: "batchMode", label: "Batch scan", kind: "choice", options: ["warm", "restrict"] },
  { key: "deleteServiceMessages", label: "Delete join and leave service messages", kind: "boolean" },
  { key: "dryRun", label: "Dry run (log decisions, change nothing)", kind: "boolean" },
  { key: "language", label: "Language (two letters)", kind: "text", max: 2, nullable: false },
  { key: "promptText", label: "Custom prompt text", kind: "text", max: 1024, nullable: true },
  { key: "welcomeText", label: "Custom welcome text", kind: "text", max: 1024, nullable: true },
  { key: "buttonText", label: "Custom button text", kind: "text", max: 32, nullable: true },
  { key: "adminOverrideHours", label: "Admin override lasts", kind: "int", min: 0, max: 720, unit: "hours" },
  { key: "logChatId", label: "Log chat id", kind: "chat" }
]

/** The form's raw values as the shape SettingsValues decodes; bad numbers stay strings so Schema reports them. */
export const fromForm = (form: FormData): Record<string, unknown> => {
  const values: Record<string, unknown> = {}
  for (const field of settingsFields) {
    const raw = form.get(field.key)
    const text = typeof raw === "string" ? raw.trim() : ""
    switch (field.kind) {
      case "boolean":
        values[field.key] = raw === "on" || raw === "true"
        break
      case "int":
        values[field.key] = /^-?\d+$/.test(text) ? Number(text) : text
        break
      case "chat":
        values[field.key] = text === "" ? null : /^-?\d+$/.test(text) ? Number(text) : text
        break
      case "text":
        values[field.key] = field.nullable && text === "" ? null : text
        break
      case "choice":
        values[field.key] = text
    }
  }
  return values
}
