// BOT-53: every user-visible text by key, HTML parse mode, every user- or chat-supplied value escaped.

export const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/** `<a href="tg://user?id=ID">first name</a>`, the name escaped and cut to 64 characters (BOT-26). */
export const mention = (userId: number, firstName: string) =>
  `<a href="tg://user?id=${userId}">${escapeHtml([...firstName].slice(0, 64).join("") || "user")}</a>`

export interface ChannelLine {
  readonly title: string
  readonly username: string | null
}

/** A channel by title, with `@username` only when it has one — never an `@` before a title (BOT-26). */
export const channelLabel = (c: ChannelLine) => `<b>${escapeHtml(c.title)}</b>${c.username ? ` (@${escapeHtml(c.username)})` : ""}`

const english = {
  "prompt.message": "{mention}, to write in {group} please join {channels} first, then press the button below.",
  "prompt.join": "Welcome, {mention}! To write in {group} please join {channels} first, then press the button below.",
  "prompt.leave": "{mention}, you left {channels}. Join again to keep writing in {group}, then press the button below.",
  "prompt.combined": "{mention}: to write in {group} please join {channels}, then press the button below.",
  "prompt.join_request": "To join {group}, please join {channels} first, then press the button below.",
  "prompt.button": "✅ I've joined",
  "prompt.join_button": "Join {title}",
  "verify.ok": "Verified — you can write now",
  "verify.missing": "Still missing: {channels}",
  "verify.not_for_you": "This button isn't for you",
  "verify.cooldown": "Please wait a few seconds",
  "verify.all_set": "You're all set",
  "verify.slow": "Telegram is slow right now, try again in a minute",
  "verify.nothing": "Nothing to verify for you here",
  "button.expired": "This button has expired.",
  "identity.blocked": "Posting as a channel isn't allowed here — write from your own account.",
  "admin.only": "Only admins with the Ban users right can use /{command}",
  "admin.only_alert": "Admins only",
  "anon.confirm": "Anonymous admin: tap to confirm /{command}",
  "anon.only_admins": "Only admins can confirm this",
  "anon.expired": "This request expired"
} as const

export type TextKey = keyof typeof english

const catalogues: Record<string, Record<TextKey, string>> = { en: english }

/** Languages with a shipped catalogue (the `language` setting's values). */
export const languages = Object.keys(catalogues)

/**
 * Fills a template. Values are escaped here unless the caller passes markup it built itself (`{mention}`,
 * `{channels}`); a custom group text (`override`) is used instead of the catalogue when set.
 */
export const text = (
  key: TextKey,
  values: Record<string, string | number> = {},
  options: { readonly language?: string; readonly override?: string | null; readonly markup?: ReadonlyArray<string> } = {}
) => {
  const template = options.override ?? catalogues[options.language ?? "en"]?.[key] ?? english[key]
  const markup = new Set(options.markup ?? ["mention", "channels"])
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => {
    const value = values[name]
    if (value === undefined) return whole
    return markup.has(name) ? String(value) : escapeHtml(String(value))
  })
}
