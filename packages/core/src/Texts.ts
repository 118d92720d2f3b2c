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
  "join.welcome": "Welcome to {group}, {mention}!",
  "prompt.leave": "{mention}, you left {channels}. Join again to keep writing in {group}, then press the button below.",
  "prompt.combined": "{mention}: to write in {group} please join {channels}, then press the button below.",
  "prompt.join_request": "To join {group}, please join {channels} first, then press the button below.",
  "join_request.ok": "You're in — welcome to {group}!",
  "join_request.answer_ok": "You're in!",
  "join_request.expired": "Your request to join {group} expired. Join {channels}, then request to join again.",
  "join_request.closed": "This request is no longer open.",
  "health.setup_hint":
    "Hi! To protect this group I need to be an administrator with <i>Ban users</i> and <i>Delete messages</i> (and <i>Invite users via link</i> for the join gate), and an administrator in each channel. Then an admin sends <code>/protect @your_channel</code>.",
  "health.lost_rights": "⚠️ I no longer have the {rights} right in this group. {consequence} An admin can fix this in the group's administrator settings.",
  "health.not_admin": "⚠️ I'm no longer an administrator in this group. Protection is paused until I'm promoted again with <i>Ban users</i> and <i>Delete messages</i>.",
  "health.channel_lost": "⚠️ I'm no longer an administrator in {channels}, so I can't check who joined it; it is skipped until I'm an administrator there again.",
  "health.dm": "⚠️ <b>{group}</b>: {problem}",
  "health.removed": "I was removed from this group; protection is suspended. Add me back as an administrator to resume.",
  "health.restored": "✅ Rights restored — protection works fully again.",
  "health.consequence.restrict": "Until it is back I can only delete non-subscribers' messages; nobody is muted.",
  "health.consequence.delete": "Until it is back I mute non-subscribers but can't delete their messages.",
  "health.consequence.invite": "Until it is back I can't approve or decline join requests.",
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
  "anon.expired": "This request expired",
  "start.greeting":
    "Hi {first_name}! I'm Nezuko.\nI keep your group for subscribers: members must join your channels before they can write.\nNon-subscribers are muted and shown what to join — and released the moment they do.\nAdd me to a group to start.",
  "start.add_button": "➕ Add me to a group",
  "start.setup_button": "How to set up",
  "start.how_button": "How it works",
  "start.cmds_button": "Commands",
  "menu.back": "« Back",
  "menu.setup":
    "<b>Setting up</b>\n1. Add me to your group as an administrator with <i>Ban users</i>, <i>Delete messages</i> and <i>Invite users via link</i>.\n2. Add me to each channel as an administrator (no rights needed).\n3. In the group, send <code>/protect @your_channel</code> (up to 5 channels).",
  "menu.how":
    "<b>How it works</b>\nWhen someone who hasn't joined every required channel writes or joins, I delete the message, mute them, and show buttons for each channel plus \"I've joined\". As soon as they join, they can write again.",
  "menu.cmds":
    "<b>Commands</b> (admins with Ban users)\n/protect @channel … — require channels\n/unprotect [@channel] — turn off, or drop one channel\n/status — protection, rights and counts\n/settings — behaviour\n/whitelist, /release — exempt or free a member",
  "help.private":
    "<b>Nezuko help</b>\n\n<b>Rights I need</b>\nGroup: administrator with Ban users, Delete messages (and Invite users via link for the join gate).\nEach channel: administrator, any rights.\n\n<b>Commands</b>\n/protect @channel … · /unprotect [@channel] · /status · /settings · /whitelist · /release\n\n<b>Common problems</b>\n1. \"I need these rights\": promote me in the group with Ban users and Delete messages.\n2. \"I'm not an admin in the channel\": add me to the channel's administrators.\n3. A private channel: use its numeric id — forward one of its posts to me here to get it.\n4. \"Restrictions need a supergroup\": make the group a supergroup first.\n5. Nothing happens: check /status and that protection is on.",
  "help.group": "Members must join this group's channels before writing. Admins: /protect @channel. Full help in a private chat with me.",
  "help.private_button": "Open help",
  "private.pointer": "Send /help to see what I can do.",
  "private.groups_only": "This works in groups only: add me to your group and send the command there.",
  "forward.channel": "<b>{title}</b> has the id <code>{id}</code>.\nIn your group, send:\n<code>/protect {id}</code>"
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
